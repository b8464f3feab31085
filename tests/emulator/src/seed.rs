//! The default registry the tests, the demo and the golden recordings run against.

use crate::model::{Attributes, Identity, Manifest, Repository, Seed, Tag, User, media_type};

pub const LOGIN_SERVER: &str = "myregistry.azurecr.io";
pub const ADMIN_USER: &str = "myregistry";
pub const ADMIN_PASSWORD: &str = "AdminPassw0rd";
/// The admin user's second password (`listCredentials` gives both; either signs in).
pub const ADMIN_PASSWORD2: &str = "AdminSecondPassw0rd";
pub const TOKEN_USER: &str = "cleanup-token";
pub const TOKEN_PASSWORD: &str = "TokenPassw0rd";
pub const REFRESH_TOKEN: &str = "acr-refresh-token-for-tests";
pub const AAD_TOKEN: &str = "fake-aad-access-token";
pub const AAD_TENANT: &str = "11111111-2222-3333-4444-555555555555";
/// The Entra scope az asks for registries.
pub const ACR_SCOPE: &str = "https://containerregistry.azure.net/.default";
/// The scope az asks Entra for to call Resource Manager (the cloud's
/// `active_directory_resource_id` and `/.default`, as az's MSAL sends it).
pub const ARM_SCOPE: &str = "https://management.core.windows.net//.default";
/// The Entra token for ARM the emulator issues and accepts.
pub const ARM_TOKEN: &str = "fake-arm-access-token";
/// The subscription the fixtures sign in to, the only one ARM knows.
pub const SUBSCRIPTION_ID: &str = "00000000-1111-2222-3333-444444444444";
/// The resource group ARM keeps the registries in.
pub const RESOURCE_GROUP: &str = "myresourcegroup";
/// az's public client id (`az login` for users).
pub const AZ_CLIENT_ID: &str = "04b07795-8ddb-461a-bbee-02f9e1bf7b46";
/// The refresh token az's MSAL cache holds for the test user.
pub const ENTRA_REFRESH_TOKEN: &str = "fake-entra-refresh-token";
/// A service principal (`az login --service-principal`) and its secret / federated token.
pub const SP_CLIENT_ID: &str = "99999999-8888-7777-6666-555555555555";
pub const SP_SECRET: &str = "fake-sp-client-secret";
pub const FEDERATED_ASSERTION: &str = "fake-federated-assertion";
/// The service principal's certificate (`az login --service-principal --certificate`), whose
/// public key Entra ID checks the client assertion with, and its private key (PKCS#8 and
/// PKCS#1), plus a key that is not the certificate's. Test keys only (see testdata/README.md).
pub const SP_CERTIFICATE: &str = include_str!("../testdata/sp-cert.pem");
pub const SP_PRIVATE_KEY: &str = include_str!("../testdata/sp-key.pem");
pub const SP_PRIVATE_KEY_PKCS1: &str = include_str!("../testdata/sp-key-pkcs1.pem");
/// Managed identities the emulator's IMDS and App Service endpoints know: the system-assigned
/// one's client id, a user-assigned one by client id, object id and resource id, and App
/// Service's `IDENTITY_HEADER` secret.
pub const MI_SYSTEM_CLIENT_ID: &str = "aaaaaaaa-0000-0000-0000-000000000001";
pub const MI_USER_CLIENT_ID: &str = "bbbbbbbb-0000-0000-0000-000000000002";
pub const MI_USER_OBJECT_ID: &str = "cccccccc-0000-0000-0000-000000000003";
pub const MI_USER_RESOURCE_ID: &str = "/subscriptions/00000000-1111-2222-3333-444444444444/resourcegroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/ci-identity";
/// The Entra token a managed identity gets: JWT-shaped, its `tid` the test tenant (what
/// `az login --identity` reads the tenant from).
pub const MI_TOKEN: &str = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJhdWQiOiJodHRwczovL2NvbnRhaW5lcnJlZ2lzdHJ5LmF6dXJlLm5ldCIsInRpZCI6IjExMTExMTExLTIyMjItMzMzMy00NDQ0LTU1NTU1NTU1NTU1NSIsIm9pZCI6ImRkZGRkZGRkLTAwMDAtMDAwMC0wMDAwLTAwMDAwMDAwMDAwNCIsImlkdHlwIjoiYXBwIn0.fake-managed-identity-signature";
pub const APP_SERVICE_IDENTITY_HEADER: &str = "fake-app-service-identity-header";
pub const OTHER_PRIVATE_KEY: &str = include_str!("../testdata/other-key.pem");

/// A stable fake digest: four rounds of splitmix64 over a seed string.
pub fn digest(seed: &str) -> String {
    let mut state =
        seed.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x100_0000_01b3));
    let mut out = String::from("sha256:");
    for _ in 0..4 {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        out.push_str(&format!("{:016x}", z ^ (z >> 31)));
    }
    out
}

/// `2019-03-01T00:00:00.0000000Z` plus `hours`.
fn time(base_day: u32, hours: u32) -> String {
    let day = base_day + hours / 24;
    // Days counted from 2019-03-01; March has 31 days, April 30, May 31.
    let (month, dom) = if day < 31 {
        (3, day + 1)
    } else if day < 61 {
        (4, day - 30)
    } else {
        (5, day - 60)
    };
    format!(
        "2019-{month:02}-{dom:02}T{:02}:{:02}:00.{:07}Z",
        hours % 24,
        (hours * 7) % 60,
        hours * 1234 % 10_000_000
    )
}

/// Builds a repository manifest by manifest; manifests are named by their position (0, 1, …)
/// when an index or a referrer points at them.
pub struct RepoBuilder {
    repo: Repository,
}

impl RepoBuilder {
    pub fn new(name: &str) -> RepoBuilder {
        RepoBuilder {
            repo: Repository {
                name: name.into(),
                created: time(0, 0),
                updated: time(0, 0),
                attributes: Attributes::default(),
                manifests: Vec::new(),
                tags: Vec::new(),
            },
        }
    }

    /// Adds a docker v2 image manifest updated at `hours` after 2019-03-01, with these tags.
    pub fn manifest(self, hours: u32, tags: &[&str], attributes: Attributes) -> RepoBuilder {
        self.push(hours, tags, attributes, media_type::DOCKER_MANIFEST, Vec::new(), None, None)
    }

    /// Adds an OCI image manifest.
    pub fn oci_image(self, hours: u32, tags: &[&str]) -> RepoBuilder {
        self.push(hours, tags, Attributes::default(), media_type::OCI_MANIFEST, Vec::new(), None, None)
    }

    /// Adds an index (`media_type::OCI_INDEX` or `DOCKER_MANIFEST_LIST`) of the manifests at
    /// positions `children`.
    pub fn index(self, hours: u32, tags: &[&str], media_type: &str, children: &[usize]) -> RepoBuilder {
        let children = children.iter().map(|&i| self.repo.manifests[i].digest.clone()).collect();
        self.push(hours, tags, Attributes::default(), media_type, children, None, None)
    }

    /// Adds an untagged OCI referrer (`artifact_type`: a signature, an SBOM) of the manifest at
    /// position `subject`.
    pub fn referrer(self, hours: u32, subject: usize, artifact_type: &str) -> RepoBuilder {
        let subject = Some(self.repo.manifests[subject].digest.clone());
        let artifact_type = Some(artifact_type.to_string());
        self.push(
            hours,
            &[],
            Attributes::default(),
            media_type::OCI_MANIFEST,
            Vec::new(),
            subject,
            artifact_type,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        mut self,
        hours: u32,
        tags: &[&str],
        attributes: Attributes,
        media_type: &str,
        children: Vec<String>,
        subject: Option<String>,
        artifact_type: Option<String>,
    ) -> RepoBuilder {
        let digest = digest(&format!("{}#{}", self.repo.name, self.repo.manifests.len()));
        let stamp = time(0, hours);
        for tag in tags {
            self.repo.tags.push(Tag {
                name: tag.to_string(),
                digest: digest.clone(),
                created: stamp.clone(),
                updated: stamp.clone(),
                attributes: Attributes::default(),
            });
        }
        self.repo.manifests.push(Manifest {
            digest,
            image_size: 1024 + hours as u64 * 3,
            created: stamp.clone(),
            updated: stamp.clone(),
            architecture: "amd64".into(),
            os: "linux".into(),
            attributes,
            media_type: media_type.into(),
            children,
            subject,
            artifact_type,
        });
        if stamp > self.repo.updated {
            self.repo.updated = stamp;
        }
        self
    }

    pub fn tag_attributes(mut self, tag: &str, attributes: Attributes) -> RepoBuilder {
        if let Some(t) = self.repo.tags.iter_mut().find(|t| t.name == tag) {
            t.attributes = attributes;
        }
        self
    }

    pub fn repo_attributes(mut self, attributes: Attributes) -> RepoBuilder {
        self.repo.attributes = attributes;
        self
    }

    pub fn build(self) -> Repository {
        self.repo
    }
}

/// A repository of `count` manifests, one in three tagged, many updated at the same time:
/// for listings long enough to be worked on by several threads.
pub fn large_repository(name: &str, count: u32) -> Repository {
    let mut repo = RepoBuilder::new(name);
    for i in 0..count {
        let tag = format!("v{i}");
        let tags: &[&str] = if i % 3 == 0 { &[&tag] } else { &[] };
        repo = repo.manifest((i * 37) % 1500, tags, Attributes::default());
    }
    repo.build()
}

/// A repository of every kind of manifest (not in the default seed, so goldens do not see it):
///
/// | # | what | tags |
/// |---|---|---|
/// | 0, 1 | OCI images (amd64, arm64 children of 2) | – |
/// | 2 | OCI index of 0, 1 | `multi` |
/// | 3 | docker v2 image | `v1` |
/// | 4 | notary signature of 3 | – |
/// | 5 | SPDX SBOM of 3 | – |
/// | 6, 7 | docker v2 images (children of 8) | – |
/// | 8 | docker manifest list of 6, 7 | – |
/// | 9 | OCI image | – |
pub fn oci_repository(name: &str) -> Repository {
    let mut repo = RepoBuilder::new(name)
        .oci_image(10, &[])
        .oci_image(11, &[])
        .index(12, &["multi"], media_type::OCI_INDEX, &[0, 1])
        .manifest(20, &["v1"], Attributes::default())
        .referrer(21, 3, media_type::NOTARY_SIGNATURE)
        .referrer(22, 3, media_type::SPDX_SBOM)
        .manifest(30, &[], Attributes::default())
        .manifest(31, &[], Attributes::default())
        .index(32, &[], media_type::DOCKER_MANIFEST_LIST, &[6, 7])
        .oci_image(40, &[])
        .build();
    repo.manifests[1].architecture = "arm64".into();
    repo
}

pub fn default_seed() -> Seed {
    let ok = Attributes::default;
    // The seeds' scripts run against `myrepository`: 45 manifests before 2019-04-05, 15 after;
    // two in three untagged, some tagged twice.
    let mut myrepository = RepoBuilder::new("myrepository");
    for i in 0..60u32 {
        let hours = if i < 45 { i * 18 } else { 35 * 24 + (i - 45) * 30 };
        let tags: Vec<String> = match i % 6 {
            0 => vec![format!("v{i}")],
            3 => vec![format!("v{i}"), format!("build-{i}")],
            _ => vec![],
        };
        let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
        myrepository = myrepository.manifest(hours, &tags, ok());
    }
    let helloworld = RepoBuilder::new("acr-helloworld")
        .manifest(10, &["v1"], ok())
        .manifest(40, &["v2"], ok())
        .manifest(70, &[], ok())
        .manifest(100, &["latest", "v3"], ok())
        .build();
    let web = RepoBuilder::new("marketing/campaign10-18/web")
        .manifest(5, &["v1"], ok())
        .manifest(50, &[], ok())
        .manifest(90, &["latest", "v2"], ok())
        .build();
    let email = RepoBuilder::new("marketing/campaign10-18/email").manifest(30, &["latest"], ok()).build();
    // More than 100 manifests and tags, so that every list needs a second page.
    let mut bigrepo = RepoBuilder::new("bigrepo");
    for i in 0..120u32 {
        let tags: Vec<String> = if i == 7 {
            (0..6).map(|k| format!("multi-{k}")).collect()
        } else if i % 10 == 9 {
            vec![]
        } else {
            vec![format!("t{i:03}")]
        };
        let tags: Vec<&str> = tags.iter().map(String::as_str).collect();
        bigrepo = bigrepo.manifest(i * 5, &tags, ok());
    }
    let locked = RepoBuilder::new("locked-repo")
        .manifest(20, &["locked"], Attributes::locked())
        .manifest(30, &["free"], ok())
        .manifest(40, &[], Attributes { delete_enabled: false, ..ok() })
        .manifest(50, &["frozen"], ok())
        .tag_attributes("frozen", Attributes { write_enabled: false, ..ok() })
        .build();
    let protected = RepoBuilder::new("protected/app")
        .manifest(60, &["latest"], ok())
        .repo_attributes(Attributes { delete_enabled: false, ..ok() })
        .build();
    // Not a name ACR accepts, but az prints whatever comes back: exercises every writer's unicode.
    let unicode = RepoBuilder::new("unicode/café-日本")
        .manifest(15, &["é", "v1"], ok())
        .manifest(25, &[], ok())
        .build();
    let admin = Identity::admin(ADMIN_USER);
    let token_identity = Identity {
        name: TOKEN_USER.into(),
        catalog: false,
        repositories: vec![
            ("myrepository".into(), vec!["metadata_read".into(), "delete".into()]),
            ("acr-helloworld".into(), vec!["metadata_read".into()]),
        ],
    };
    Seed {
        login_server: LOGIN_SERVER.into(),
        repositories: vec![
            myrepository.build(),
            helloworld,
            web,
            email,
            bigrepo.build(),
            locked,
            protected,
            unicode,
        ],
        users: vec![
            User { username: ADMIN_USER.into(), password: ADMIN_PASSWORD.into(), identity: admin.clone() },
            User { username: ADMIN_USER.into(), password: ADMIN_PASSWORD2.into(), identity: admin.clone() },
            User { username: TOKEN_USER.into(), password: TOKEN_PASSWORD.into(), identity: token_identity },
        ],
        refresh_tokens: vec![(REFRESH_TOKEN.into(), admin.clone())],
        deleted: vec![
            serde_json::json!({"createdAt": "2019-01-01T00:00:00.0000000Z", "deletedAt": "2019-05-01T00:00:00.0000000Z", "repository": "old/app"}),
            serde_json::json!({"createdAt": "2019-02-01T00:00:00.0000000Z", "deletedAt": "2019-05-02T00:00:00.0000000Z", "repository": "retired"}),
        ],
        aad_tokens: vec![
            (AAD_TOKEN.into(), AAD_TENANT.into(), admin.clone()),
            (MI_TOKEN.into(), AAD_TENANT.into(), admin),
        ],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_ordered_strings() {
        assert_eq!(time(0, 0), "2019-03-01T00:00:00.0000000Z");
        assert!(time(0, 34 * 24).as_str() < "2019-04-05");
        assert!(time(0, 35 * 24).as_str() > "2019-04-05");
        assert_eq!(&time(0, 61 * 24)[..10], "2019-05-01");
        assert_ne!(digest("a#0"), digest("a#1"));
        assert_eq!(digest("a").len(), 7 + 64);
    }
}

#[cfg(test)]
mod manifest_tests {
    use super::*;
    use serde_json::Value;

    fn body(repo: &Repository, i: usize) -> Value {
        serde_json::from_slice(&repo.manifest_body(&repo.manifests[i])).unwrap()
    }

    #[test]
    fn bodies_follow_the_model() {
        let repo = oci_repository("oci");
        let index = body(&repo, 2);
        assert_eq!(index["mediaType"], media_type::OCI_INDEX);
        let children: Vec<&str> =
            index["manifests"].as_array().unwrap().iter().map(|d| d["digest"].as_str().unwrap()).collect();
        assert_eq!(children, [repo.manifests[0].digest.as_str(), repo.manifests[1].digest.as_str()]);
        assert_eq!(index["manifests"][1]["platform"]["architecture"], "arm64");
        assert_eq!(index["manifests"][0]["size"], repo.manifest_body(&repo.manifests[0]).len());
        let image = body(&repo, 3);
        assert_eq!(image["config"]["mediaType"], media_type::DOCKER_CONFIG);
        assert_eq!(image["layers"][0]["size"], repo.manifests[3].image_size);
        assert!(image.get("subject").is_none());
        let signature = body(&repo, 4);
        assert_eq!(signature["subject"]["digest"], repo.manifests[3].digest.as_str());
        assert_eq!(signature["artifactType"], media_type::NOTARY_SIGNATURE);
        assert_eq!(signature["config"]["mediaType"], media_type::OCI_EMPTY);
        assert_eq!(body(&repo, 8)["mediaType"], media_type::DOCKER_MANIFEST_LIST);
        let referrers: Vec<&str> =
            repo.referrers_of(&repo.manifests[3].digest).iter().map(|m| m.digest.as_str()).collect();
        assert_eq!(referrers, [repo.manifests[4].digest.as_str(), repo.manifests[5].digest.as_str()]);
        assert_eq!(repo.resolve("multi").unwrap().digest, repo.manifests[2].digest);
    }

    #[test]
    fn listing_shows_media_types() {
        let repo = oci_repository("oci");
        let index = repo.manifest_json(&repo.manifests[2]);
        assert_eq!(index["mediaType"], media_type::OCI_INDEX);
        assert_eq!(index["references"][0]["digest"], repo.manifests[0].digest.as_str());
        assert!(index.get("configMediaType").is_none());
        let image = repo.manifest_json(&repo.manifests[3]);
        assert_eq!(image["mediaType"], media_type::DOCKER_MANIFEST);
        assert_eq!(image["configMediaType"], media_type::DOCKER_CONFIG);
    }
}
