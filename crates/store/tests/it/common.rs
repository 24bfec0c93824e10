use std::cell::RefCell;

#[cfg(feature = "postgres")]
use store::conformance::TestDatabase;
use store::{Store, StoreOptions};
use tempfile::TempDir;

/// A store in its own temporary directory, removed when the returned guard is dropped.
pub fn temp_store() -> (Store, TempDir) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = Store::open(dir.path()).expect("open store");
    (store, dir)
}

/// A factory of fresh stores whose directories (and PostgreSQL databases) live as long as the
/// factory.
pub struct StoreFactory {
    dirs: RefCell<Vec<TempDir>>,
    #[cfg(feature = "postgres")]
    databases: RefCell<Vec<TestDatabase>>,
}

impl StoreFactory {
    pub fn new() -> Self {
        StoreFactory {
            dirs: RefCell::new(Vec::new()),
            #[cfg(feature = "postgres")]
            databases: RefCell::new(Vec::new()),
        }
    }

    pub fn make(&self) -> Store {
        let (store, dir) = temp_store();
        self.dirs.borrow_mut().push(dir);
        store
    }

    /// A store in a new temporary directory, opened with `options`.
    pub fn make_with(&self, options: StoreOptions) -> Store {
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = Store::open_with(dir.path(), options).expect("open store");
        self.dirs.borrow_mut().push(dir);
        store
    }

    #[cfg(feature = "postgres")]
    /// Whether PostgreSQL can be used (warns loudly, or fails under CI, when it cannot).
    pub fn postgres_reachable(&self) -> bool {
        match TestDatabase::create() {
            Some(database) => {
                self.databases.borrow_mut().push(database);
                true
            }
            None => false,
        }
    }

    #[cfg(feature = "postgres")]
    /// A store on a new PostgreSQL database of its own (blobs in a temporary directory).
    pub fn make_postgres(&self) -> Store {
        let database = TestDatabase::create().expect("PostgreSQL was reachable a moment ago");
        let dir = tempfile::tempdir().expect("temporary directory");
        let store = Store::open_with(dir.path(), database.options()).expect("open store");
        self.dirs.borrow_mut().push(dir);
        self.databases.borrow_mut().push(database);
        store
    }
}
