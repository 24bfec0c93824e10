use std::cell::RefCell;

use store::Store;
use tempfile::TempDir;

/// A store in its own temporary directory, removed when the returned guard is dropped.
pub fn temp_store() -> (Store, TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = Store::open(dir.path()).expect("open store");
    (store, dir)
}

/// A factory of fresh stores whose directories live as long as the factory.
pub struct StoreFactory {
    dirs: RefCell<Vec<TempDir>>,
}

impl StoreFactory {
    pub fn new() -> Self {
        StoreFactory {
            dirs: RefCell::new(Vec::new()),
        }
    }

    pub fn make(&self) -> Store {
        let (store, dir) = temp_store();
        self.dirs.borrow_mut().push(dir);
        store
    }
}
