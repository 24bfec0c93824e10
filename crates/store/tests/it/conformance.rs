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

#[test]
fn s3_blobs_pass_the_blob_properties() {
    let factory = StoreFactory::new();
    if store::conformance::TestBucket::create().is_none() {
        return;
    }
    // A bucket per store: one property damages a blob that another may store again.
    store::conformance::run_blob_properties(|| {
        let bucket = store::conformance::TestBucket::create().expect("reachable a moment ago");
        factory.make_with(bucket.options())
    });
}
