use crate::common::StoreFactory;

#[test]
fn sqlite_passes_the_conformance_suite() {
    let factory = StoreFactory::new();
    store::conformance::run_all(|| factory.make());
}
