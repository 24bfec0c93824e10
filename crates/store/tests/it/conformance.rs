use crate::common::StoreFactory;

#[test]
fn sqlite_passes_the_conformance_suite() {
    let factory = StoreFactory::new();
    store::conformance::run_all(|| factory.make());
}

#[cfg(feature = "postgres")]
#[test]
fn postgres_passes_the_conformance_suite() {
    let factory = StoreFactory::new();
    if !factory.postgres_reachable() {
        return;
    }
    store::conformance::run_all(|| factory.make_postgres());
}
