//! An EMR Identity Center Studio, for the EMR path's and offboarding's tests.

use crate::targets::emr::port::{EmrStudioAccess, IdentityType, StudioInfo, StudioMode};
use std::sync::Mutex;
use studiogate_kernel::wire::FederatedCredentials;
use studiogate_kernel::{AwsError, ErrorKind};

/// Studio `es-1` in Identity Center mode, where `alice` is `id-alice` (no one else is known):
/// GetStudioSessionMapping answers `reads` in turn (the last one ever after), and
/// CreateStudioSessionMapping is refused with `create_refusal` when it is set. The mappings it
/// creates, updates and deletes are recorded, never applied to `reads`.
pub struct ScriptedEmr {
    reads: Vec<Option<String>>,
    create_refusal: Option<ErrorKind>,
    read_count: Mutex<usize>,
    changes: Mutex<Vec<String>>,
}

impl ScriptedEmr {
    /// alice is mapped to `policy`.
    pub fn mapped(policy: &str) -> Self {
        Self::scripted(vec![Some(policy.into())], None)
    }

    /// alice is not mapped, and creating her mapping works.
    pub fn unmapped() -> Self {
        Self::scripted(vec![None], None)
    }

    /// Another login maps alice first: no mapping at the first read, the create refused with
    /// `refusal`, and `then` read afterwards.
    pub fn raced(refusal: ErrorKind, then: Option<&str>) -> Self {
        Self::scripted(vec![None, then.map(str::to_owned)], Some(refusal))
    }

    fn scripted(reads: Vec<Option<String>>, create_refusal: Option<ErrorKind>) -> Self {
        ScriptedEmr {
            reads,
            create_refusal,
            read_count: Mutex::default(),
            changes: Mutex::default(),
        }
    }

    /// How many times the mapping was read.
    pub fn reads(&self) -> usize {
        *self.read_count.lock().unwrap()
    }

    /// The mappings deleted, `STUDIO ID` each.
    pub fn deleted(&self) -> Vec<String> {
        let changes = self.changes.lock().unwrap();
        changes
            .iter()
            .filter_map(|c| c.strip_prefix("delete ").map(str::to_owned))
            .collect()
    }

    /// The mappings created or updated, `create|update STUDIO ID POLICY` each.
    pub fn written(&self) -> Vec<String> {
        let changes = self.changes.lock().unwrap();
        changes
            .iter()
            .filter(|c| !c.starts_with("delete "))
            .cloned()
            .collect()
    }
}

impl EmrStudioAccess for ScriptedEmr {
    async fn describe_studio(&self, _: &str) -> Result<StudioInfo, AwsError> {
        Ok(StudioInfo {
            mode: StudioMode::IdentityCenter,
            url: "https://es-1.emrstudio.example".into(),
        })
    }
    async fn identity_id(
        &self,
        _: &str,
        _: IdentityType,
        name: &str,
    ) -> Result<Option<String>, AwsError> {
        Ok(["alice", "alice@example.com"]
            .contains(&name)
            .then(|| "id-alice".into()))
    }
    async fn session_policy(
        &self,
        _: &str,
        _: IdentityType,
        _: &str,
    ) -> Result<Option<String>, AwsError> {
        let mut count = self.read_count.lock().unwrap();
        let answer = self.reads[(*count).min(self.reads.len() - 1)].clone();
        *count += 1;
        Ok(answer)
    }
    async fn create_mapping(
        &self,
        studio: &str,
        _: IdentityType,
        id: &str,
        policy: &str,
    ) -> Result<(), AwsError> {
        if let Some(kind) = self.create_refusal {
            return Err(AwsError::new(
                "elasticmapreduce:CreateStudioSessionMapping",
                kind,
                "InvalidRequestException",
                "a session mapping for this identity already exists",
            ));
        }
        let change = format!("create {studio} {id} {policy}");
        self.changes.lock().unwrap().push(change);
        Ok(())
    }
    async fn update_mapping(
        &self,
        studio: &str,
        _: IdentityType,
        id: &str,
        policy: &str,
    ) -> Result<(), AwsError> {
        let change = format!("update {studio} {id} {policy}");
        self.changes.lock().unwrap().push(change);
        Ok(())
    }
    async fn delete_mapping(
        &self,
        studio: &str,
        _: IdentityType,
        id: &str,
    ) -> Result<(), AwsError> {
        self.changes
            .lock()
            .unwrap()
            .push(format!("delete {studio} {id}"));
        Ok(())
    }
    async fn signin_token(&self, _: &FederatedCredentials, _: u32) -> Result<String, AwsError> {
        unreachable!("an Identity Center Studio signs no one in through the console")
    }
    fn login_url(&self, _: &str, _: &str, _: &str) -> String {
        unreachable!("an Identity Center Studio signs no one in through the console")
    }
}
