//! presign's input parser: any invocation payload, with a MAC checker that accepts every MAC (so
//! the fuzzer reaches the request parser behind it) and an in-memory ledger. Nothing may panic,
//! and no seal opens twice.
#![no_main]

use libfuzzer_sys::fuzz_target;
use studiogate_kernel::seal::{self, InMemorySealLedger, MacVerifier, SealError};
use studiogate_kernel::AwsError;

struct AcceptsEveryMac;

impl MacVerifier for AcceptsEveryMac {
    async fn verify_mac(&self, _: &[u8], _: &[u8]) -> Result<bool, AwsError> {
        Ok(true)
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(event) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let ledger = InMemorySealLedger::default();
    let now = studiogate_fuzz::now();
    let first =
        studiogate_fuzz::block_on(seal::open(&AcceptsEveryMac, &ledger, event.clone(), now));
    if first.is_ok() {
        let again = studiogate_fuzz::block_on(seal::open(&AcceptsEveryMac, &ledger, event, now));
        assert_eq!(again, Err(SealError::Replayed));
    }
});
