//! A thin ACR data-plane client: az's requests, az's scopes, one token per scope per run.

pub mod arm;
pub mod auth;
pub mod az_cli;
pub mod certificate;
pub mod entra;
pub mod env_credential;
pub mod error;
pub mod managed_identity;
pub mod paging;
pub mod paths;
pub mod reference;
pub mod token_cache;
pub mod transport;

use std::collections::{HashMap, HashSet};

use reqwest::{Client, Method, Url};

pub use auth::{AadToken, Credentials};
pub use error::RegistryError;
use paging::{PageItems, Pager, decode_page};
pub use paths::{Item, Reference, Repository};
use serde::de::DeserializeOwned;
pub use token_cache::TokenCache;
use transport::{Call, Decode, form_encode};

use crate::data::Data;
use crate::env::Env;

/// The permissions az asks for, per command.
#[derive(Clone, Copy, Debug)]
pub enum Access {
    MetadataRead,
    MetadataWrite,
    /// Reading the recycle bin (`acr manifest list-deleted`, `list-deleted-tags`).
    DeletedRead,
    /// The recycle bin: reading it and restoring from it (`acr manifest restore`).
    DeletedReadRestore,
    /// Pulling manifests (`acr manifest show`, `list-referrers`).
    Pull,
    /// Pulling manifests with the listing that names them (`acr manifest list`).
    PullMetadataRead,
    /// Delete with the reads that go with it (az's `delete`).
    Delete,
    /// Delete alone (az's `untag`).
    DeleteOnly,
    /// Everything `azacr purge` does in a repository, under one token: list, read manifest
    /// bodies, unlock, delete.
    Purge,
}

impl Access {
    fn actions(self) -> &'static str {
        match self {
            Access::MetadataRead => "metadata_read",
            Access::MetadataWrite => "metadata_write,metadata_read",
            Access::DeletedRead => "deleted_read",
            Access::DeletedReadRestore => "deleted_read,deleted_restore",
            Access::Pull => "pull",
            Access::PullMetadataRead => "pull,metadata_read",
            Access::Delete => "delete,metadata_read",
            Access::DeleteOnly => "delete",
            Access::Purge => "pull,delete,metadata_read,metadata_write",
        }
    }
}

/// az's token scope; an empty repository name turns it into a registry scope.
fn scope(repository: &str, access: Access) -> String {
    if repository.is_empty() {
        format!("registry:{}:*", access.actions())
    } else {
        format!("repository:{repository}:{}", access.actions())
    }
}

/// The manifest media types az accepts when it asks for a manifest.
const MANIFEST_ACCEPT: &str = "*/*, application/vnd.oci.artifact.manifest.v1+json, application/vnd.cncf.oras.artifact.manifest.v1+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.v2+json, application/vnd.docker.distribution.manifest.list.v2+json";

/// What a listing asks for: az's `--top` and `--orderby`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Page {
    pub top: Option<i64>,
    pub orderby: Option<&'static str>,
}

impl Page {
    /// Every item, in the registry's order.
    pub const ALL: Page = Page { top: None, orderby: None };
}

impl From<Page> for Pager {
    fn from(page: Page) -> Pager {
        Pager::new(page.top, page.orderby)
    }
}

/// What a registry does when AAD gives it no token (az's next step: the admin user's
/// credentials), called at most once with az's reason: the credentials to use instead for
/// the rest of the run, or the error to stop with.
pub type AdminFallback = Box<
    dyn FnOnce(
        String,
    )
        -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Credentials, RegistryError>>>>,
>;

/// A login server that answered the probe; `sign_in` makes it a `Registry`.
pub struct Connection {
    client: Client,
    login_server: String,
    name: String,
    challenge: Option<auth::Challenge>,
}

impl Connection {
    /// Probes the login server (az's reachability check and challenge in one request).
    pub async fn open(name: &str, login_server: &str, env: &Env) -> Result<Connection, RegistryError> {
        let client = transport::build_client(login_server, env)?;
        let challenge = auth::Challenge::probe(&client, login_server, name).await?;
        Ok(Connection {
            client,
            login_server: login_server.to_string(),
            name: name.to_string(),
            challenge: Some(challenge),
        })
    }

    /// A login server whose challenge the token cache knows: no probe now (one is made when
    /// a cached token or challenge fails).
    pub fn unprobed(name: &str, login_server: &str, env: &Env) -> Result<Connection, RegistryError> {
        let client = transport::build_client(login_server, env)?;
        Ok(Connection {
            client,
            login_server: login_server.to_string(),
            name: name.to_string(),
            challenge: None,
        })
    }

    /// `cache`: the token cache, and the identity the credentials have in it.
    /// `on_unreachable`: says what az says before a failed probe (for the probe a rejected
    /// cached token leads to).
    pub fn sign_in(
        self,
        credentials: Credentials,
        cache: Option<(TokenCache, String)>,
        on_unreachable: Box<dyn Fn()>,
    ) -> Registry {
        Registry {
            client: self.client,
            login_server: self.login_server,
            name: self.name,
            challenge: self.challenge,
            credentials,
            tokens: HashMap::new(),
            warm: HashSet::new(),
            cache,
            cold: false,
            on_unreachable,
            admin_fallback: None,
            on_first_answer: None,
        }
    }
}

/// A signed-in registry: one function per ACR endpoint, each knowing its path and scope.
pub struct Registry {
    client: Client,
    login_server: String,
    name: String,
    /// The probe's answer; `None` until it is made (a warm start from the token cache).
    challenge: Option<auth::Challenge>,
    credentials: Credentials,
    /// Scope → `Authorization` header, for this run.
    tokens: HashMap<String, String>,
    /// The scopes whose header came from the token cache, or from a cached challenge.
    warm: HashSet<String>,
    cache: Option<(TokenCache, String)>,
    /// A cached token was rejected: nothing more from the cache in this run.
    cold: bool,
    on_unreachable: Box<dyn Fn()>,
    /// Where AAD credentials that give no token are replaced (see `AdminFallback`).
    admin_fallback: Option<AdminFallback>,
    /// Said once the registry first answers (az says it after its probe, which a warm start
    /// skips).
    on_first_answer: Option<Box<dyn FnOnce()>>,
}

impl Registry {
    /// What to do when AAD gives no token (the admin user's fallback).
    pub fn with_admin_fallback(mut self, fallback: Option<AdminFallback>) -> Registry {
        self.admin_fallback = fallback;
        self
    }

    /// What to say once the registry first answers (anything but a failed connection).
    pub fn on_first_answer(mut self, say: Box<dyn FnOnce()>) -> Registry {
        self.on_first_answer = Some(say);
        self
    }

    fn answered(&mut self) {
        if let Some(say) = self.on_first_answer.take() {
            say();
        }
    }

    /// Says now what waits for the registry's first answer: az has said it (after its probe)
    /// before it asks the user anything.
    pub fn before_prompt(&mut self) {
        self.answered();
    }

    /// Whether the run signs in with AAD (not `-u/-p` nor the admin user).
    pub fn signs_in_with_aad(&self) -> bool {
        matches!(self.credentials, Credentials::Aad(_))
    }

    /// `GET /v2/_catalog`: the repositories.
    pub async fn catalog(&mut self, page: Page) -> Result<Vec<Data>, RegistryError> {
        self.list(paths::CATALOG, "registry:catalog:*", "repositories", Pager::from(page)).await
    }

    /// `GET /v2/_catalog`, every repository, asking for `size` a page.
    pub async fn catalog_in_pages_of(&mut self, size: i64) -> Result<Vec<Data>, RegistryError> {
        let pager = Pager::from(Page::ALL).with_page_size(size);
        self.list(paths::CATALOG, "registry:catalog:*", "repositories", pager).await
    }

    /// `GET /acr/v1/_deleted/_catalog`: the soft-deleted repositories.
    pub async fn deleted_catalog(&mut self) -> Result<Vec<Data>, RegistryError> {
        self.list(
            paths::DELETED_CATALOG,
            "registry:deleted_catalog:*",
            "repositories",
            Pager::from(Page::ALL),
        )
        .await
    }

    /// `GET /acr/v1/{repository}/_manifests` under `access`, each manifest decoded as `T`.
    pub async fn manifests<T: DeserializeOwned>(
        &mut self,
        repository: &Repository,
        page: Page,
        access: Access,
    ) -> Result<Vec<T>, RegistryError> {
        let scope = scope(repository.name(), access);
        self.list(&paths::acr_manifests(repository), &scope, "manifests", Pager::from(page)).await
    }

    /// `GET /acr/v1/{repository}/_tags` under `access`, each tag decoded as `T`.
    pub async fn tags<T: DeserializeOwned>(
        &mut self,
        repository: &Repository,
        page: Page,
        access: Access,
    ) -> Result<Vec<T>, RegistryError> {
        let scope = scope(repository.name(), access);
        self.list(&paths::acr_tags(repository), &scope, "tags", Pager::from(page)).await
    }

    /// The `Authorization` header for `access` to `repository` (signing in if need be), for
    /// callers that send many requests at once themselves (`purge`), with `client` and `url`.
    pub async fn authorization_for(
        &mut self,
        repository: &Repository,
        access: Access,
    ) -> Result<String, RegistryError> {
        Ok(self.authorization(&scope(repository.name(), access)).await?.0)
    }

    /// A new header for `access` to `repository`, signed in from scratch (the one in use was
    /// rejected: expired in a long run).
    pub async fn renew_authorization(
        &mut self,
        repository: &Repository,
        access: Access,
    ) -> Result<String, RegistryError> {
        Ok(self.start_cold(&scope(repository.name(), access)).await?.0)
    }

    /// The run's HTTP client (cheap to clone: one connection pool).
    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn login_server(&self) -> &str {
        &self.login_server
    }

    /// The checked URL of `path` on the login server.
    pub fn url_for(&self, path: &str) -> Result<Url, RegistryError> {
        self.url(path, &[])
    }

    /// The tags of one manifest, in the tag listing's order: `GET /acr/v1/{repository}/_tags`
    /// filtered by digest (one request where az pages through every tag). Each tag's digest is
    /// checked here too, so a registry that ignores the filter still gives the right answer.
    pub async fn tags_of_manifest(
        &mut self,
        repository: &Repository,
        digest: &Reference,
        access: Access,
    ) -> Result<Vec<Data>, RegistryError> {
        let scope = scope(repository.name(), access);
        let pager = Pager::from(Page::ALL).with_param("digest", digest.as_str());
        let mut tags = self.list(&paths::acr_tags(repository), &scope, "tags", pager).await?;
        tags.retain(|t: &Data| t.get("digest").and_then(Data::as_str) == Some(digest.as_str()));
        Ok(tags)
    }

    /// `GET /v2/{repository}/tags/list`: tag names (what classic registries have).
    pub async fn docker_tags(&mut self, repository: &Repository) -> Result<Vec<Data>, RegistryError> {
        let scope = scope(repository.name(), Access::MetadataRead);
        self.list(&paths::v2_tags_list(repository), &scope, "tags", Pager::from(Page::ALL)).await
    }

    /// `GET` of a repository's, tag's or manifest's attributes.
    pub async fn attributes(&mut self, item: &Item, access: Access) -> Result<Data, RegistryError> {
        let (path, key) = item.attributes();
        let scope = scope(item.repository().name(), access);
        let reply = self.call(Method::GET, &path, &[], &scope, None, &Data::from_json).await?;
        indexed(reply.body, key)
    }

    /// `PATCH` of an item's attributes; with nothing to change, az reads them instead (a GET
    /// that carries the empty JSON body).
    pub async fn update_attributes(
        &mut self,
        item: &Item,
        changes: serde_json::Map<String, serde_json::Value>,
    ) -> Result<Data, RegistryError> {
        let (path, key) = item.attributes();
        let (method, access) = if changes.is_empty() {
            (Method::GET, Access::MetadataRead)
        } else {
            (Method::PATCH, Access::MetadataWrite)
        };
        let scope = scope(item.repository().name(), access);
        let body = serde_json::Value::Object(changes);
        let reply = self.call(method, &path, &[], &scope, Some(&body), &Data::from_json).await?;
        indexed(reply.body, key)
    }

    /// `DELETE /v2/{repository}/manifests/{digest}` under `access` (`acr repository delete`
    /// asks for `delete`, `acr manifest delete` for `delete` alone).
    pub async fn delete_manifest(
        &mut self,
        repository: &Repository,
        digest: &Reference,
        access: Access,
    ) -> Result<Option<Data>, RegistryError> {
        let scope = scope(repository.name(), access);
        self.delete(&paths::v2_manifest(repository, digest), &scope).await
    }

    /// `GET /v2/{repository}/manifests/{reference}`: the manifest's body as the registry sent
    /// it (a tag or a digest), asking for every manifest media type as az does.
    pub async fn manifest_body(
        &mut self,
        repository: &Repository,
        reference: &Reference,
        access: Access,
    ) -> Result<Vec<u8>, RegistryError> {
        let scope = scope(repository.name(), access);
        let path = paths::v2_manifest(repository, reference);
        let raw = |body: &[u8]| Ok(body.to_vec());
        let reply =
            self.call_accepting(Method::GET, &path, &[], &scope, None, Some(MANIFEST_ACCEPT), &raw).await?;
        Ok(reply.body.unwrap_or_default())
    }

    /// `GET /v2/{repository}/referrers/{digest}` (OCI): the manifests whose subject it is,
    /// every page, optionally of one artifact type.
    pub async fn referrers(
        &mut self,
        repository: &Repository,
        digest: &Reference,
        artifact_type: Option<&str>,
    ) -> Result<Vec<Data>, RegistryError> {
        let scope = scope(repository.name(), Access::Pull);
        let mut pager = Pager::without_page_size();
        if let Some(t) = artifact_type {
            pager = pager.with_param("artifactType", t);
        }
        self.list(&paths::v2_referrers(repository, digest), &scope, "manifests", pager).await
    }

    /// `GET /acr/v1/_deleted/{repository}/_manifests`: the soft-deleted manifests (`digest`,
    /// `deletedAt`, the `tags` they had, …).
    pub async fn deleted_manifests(&mut self, repository: &Repository) -> Result<Vec<Data>, RegistryError> {
        let scope = scope(repository.name(), Access::DeletedRead);
        self.list(&paths::deleted_manifests(repository), &scope, "manifests", Pager::from(Page::ALL)).await
    }

    /// `GET /acr/v1/_deleted/{repository}/_tags`: the soft-deleted tags (`tag`, `digest`,
    /// `deletedAt`), under the scope the command asks for.
    pub async fn deleted_tags(
        &mut self,
        repository: &Repository,
        access: Access,
    ) -> Result<Vec<Data>, RegistryError> {
        let scope = scope(repository.name(), access);
        self.list(&paths::deleted_tags(repository), &scope, "tags", Pager::from(Page::ALL)).await
    }

    /// `POST /acr/v1/_deleted/{repository}/_manifests/{digest}?force=…` with `{"tag": …}`:
    /// restores a soft-deleted manifest under a tag (`tag: None` sends `null`, as az does).
    pub async fn restore_manifest(
        &mut self,
        repository: &Repository,
        digest: &Reference,
        tag: Option<&str>,
        force: bool,
    ) -> Result<Option<Data>, RegistryError> {
        let scope = scope(repository.name(), Access::DeletedReadRestore);
        let body = serde_json::json!({ "tag": tag });
        // Python's str() of the flag, as requests sends it.
        let params = [("force".to_string(), if force { "True" } else { "False" }.to_string())];
        let path = paths::deleted_manifest(repository, digest);
        Ok(self.call(Method::POST, &path, &params, &scope, Some(&body), &Data::from_json).await?.body)
    }

    /// `DELETE /acr/v1/{repository}/_tags/{tag}`: untag.
    pub async fn delete_tag(
        &mut self,
        repository: &Repository,
        tag: &Reference,
    ) -> Result<Option<Data>, RegistryError> {
        let scope = scope(repository.name(), Access::DeleteOnly);
        self.delete(&paths::acr_tag(repository, tag), &scope).await
    }

    /// `DELETE /acr/v1/{repository}`: the repository and everything in it.
    pub async fn delete_repository(
        &mut self,
        repository: &Repository,
    ) -> Result<Option<Data>, RegistryError> {
        let scope = scope(repository.name(), Access::Delete);
        self.delete(&paths::acr_repository(repository), &scope).await
    }

    /// The header for `scope`, and whether it came from the token cache (or rests on a
    /// cached challenge), in which case a failure is worth one more try from scratch.
    async fn authorization(&mut self, scope: &str) -> Result<(String, bool), RegistryError> {
        if let Some(token) = self.tokens.get(scope) {
            return Ok((token.clone(), self.warm.contains(scope)));
        }
        let use_cache = !self.cold;
        if let (true, Some((cache, identity))) = (use_cache, &self.cache)
            && let Some(token) = cache.access(&self.login_server, identity, scope)
        {
            let header = format!("Bearer {token}");
            self.tokens.insert(scope.to_string(), header.clone());
            self.warm.insert(scope.to_string());
            return Ok((header, true));
        }
        // The challenge: the probe's, else the cached one (when a cached refresh token saves
        // the AAD exchange, or when the probe has not been made), else a probe now.
        let cached_challenge = match (&self.challenge, &self.cache) {
            (None, Some((cache, _))) if use_cache => cache.challenge(&self.login_server),
            _ => None,
        };
        let warm = cached_challenge.is_some();
        let challenge = match (&self.challenge, cached_challenge) {
            (Some(c), _) => auth::Challenge { status: c.status, header: c.header.clone() },
            (None, Some(header)) => auth::Challenge { status: 401, header: Some(header) },
            (None, None) => self.probe().await?,
        };
        let cached_refresh = match (&self.credentials, &self.cache) {
            (Credentials::Aad(Ok(_)), Some((cache, identity))) if use_cache => {
                cache.refresh(&self.login_server, identity)
            }
            _ => None,
        };
        let warm = warm || cached_refresh.is_some();
        let authorized = auth::authorize(
            &self.client,
            &self.login_server,
            &challenge,
            &self.credentials,
            scope,
            cached_refresh.as_deref(),
        )
        .await;
        if !authorized.as_ref().is_err_and(RegistryError::is_transport) {
            self.answered();
        }
        let authorized = match authorized {
            Ok(a) => a,
            // AAD answered and gave no token (not a cached refresh token gone stale): az's
            // next step, once.
            Err(RegistryError::AadUnavailable(reason))
                if cached_refresh.is_none() && self.admin_fallback.is_some() =>
            {
                let fallback = self.admin_fallback.take().expect("checked");
                self.credentials = fallback(reason).await?;
                // Tokens from now on are the new credentials' (a keyed hash, as for `-u/-p`),
                // never the account's.
                if let (
                    Credentials::Password { username, password } | Credentials::Admin { username, password },
                    Some((cache, identity)),
                ) = (&self.credentials, &mut self.cache)
                {
                    *identity = cache.password_identity(username, password);
                }
                crate::log::debug(format_args!("signing in with the credentials az falls back to"));
                return Box::pin(self.authorization(scope)).await;
            }
            Err(e) if warm => {
                crate::log::debug(format_args!(
                    "token cache: cached sign-in failed ({e}); again from scratch"
                ));
                return self.start_cold(scope).await;
            }
            Err(e) => return Err(e),
        };
        if let Some((cache, identity)) = &mut self.cache {
            if !warm
                && challenge.status == 401
                && let Some(header) = &challenge.header
            {
                cache.put_challenge(&self.login_server, header);
            }
            if let Some(refresh) = &authorized.refresh_token {
                cache.put_refresh(&self.login_server, identity, refresh);
            }
            if let Some(access) = &authorized.access_token {
                cache.put_access(&self.login_server, identity, scope, access);
            }
        }
        self.tokens.insert(scope.to_string(), authorized.header.clone());
        if warm {
            self.warm.insert(scope.to_string());
        }
        Ok((authorized.header, warm))
    }

    /// Forgets what the cache gave for `scope` and signs in as az would, probe first.
    async fn start_cold(&mut self, scope: &str) -> Result<(String, bool), RegistryError> {
        if let Some((cache, identity)) = &mut self.cache {
            cache.forget(&self.login_server, identity, scope);
        }
        self.cold = true;
        self.tokens.clear();
        self.warm.clear();
        Box::pin(self.authorization(scope)).await
    }

    /// az's `GET /v2/`, made late (a warm start had skipped it).
    async fn probe(&mut self) -> Result<auth::Challenge, RegistryError> {
        let probed = auth::Challenge::probe(&self.client, &self.login_server, &self.name).await;
        if let Err(RegistryError::Unreachable { .. }) = &probed {
            (self.on_unreachable)();
        }
        let probed = probed?;
        self.answered();
        let copy = auth::Challenge { status: probed.status, header: probed.header.clone() };
        self.challenge = Some(probed);
        Ok(copy)
    }

    /// The request URL, checked to name exactly `path` (see `paths`: the URL parser must have
    /// nothing left to trim, cut or resolve).
    fn url(&self, path: &str, params: &[(String, String)]) -> Result<Url, RegistryError> {
        let mut text = format!("https://{}{path}", self.login_server);
        if !params.is_empty() {
            text.push('?');
            text.push_str(&form_encode(params));
        }
        match Url::parse(&text) {
            Ok(url) if url.path() == path => Ok(url),
            _ => Err(RegistryError::Setup(format!(
                "Refusing to send a request whose path would change: {path}"
            ))),
        }
    }

    async fn call<B>(
        &mut self,
        method: Method,
        path: &str,
        params: &[(String, String)],
        scope: &str,
        json: Option<&serde_json::Value>,
        decode: Decode<'_, B>,
    ) -> Result<transport::Reply<B>, RegistryError> {
        self.call_accepting(method, path, params, scope, json, None, decode).await
    }

    #[allow(clippy::too_many_arguments)]
    async fn call_accepting<B>(
        &mut self,
        method: Method,
        path: &str,
        params: &[(String, String)],
        scope: &str,
        json: Option<&serde_json::Value>,
        accept: Option<&'static str>,
        decode: Decode<'_, B>,
    ) -> Result<transport::Reply<B>, RegistryError> {
        let url = self.url(path, params)?;
        let (auth, warm) = self.authorization(scope).await?;
        if !warm {
            return transport::send(&self.client, &Call { method, url, auth: &auth, json, accept }, decode)
                .await;
        }
        // The call with what the cache gave, retried as any call is (a 5xx after a DELETE was
        // applied must still end as done): a rejected token (401) or a registry that does not
        // answer sends it through az's sign-in, from the probe on.
        let call = Call { method: method.clone(), url: url.clone(), auth: &auth, json, accept };
        let sent = transport::send(&self.client, &call, decode).await;
        if !sent.as_ref().is_err_and(RegistryError::is_transport) {
            self.answered();
        }
        match sent {
            Err(e) if e.http_status() == Some(401) || e.is_transport() => {
                crate::log::debug(format_args!("token cache: cached token not accepted; signing in again"));
                let (auth, _) = self.start_cold(scope).await?;
                transport::send(&self.client, &Call { method, url, auth: &auth, json, accept }, decode).await
            }
            other => other,
        }
    }

    /// Every item of a paged list (`body[key]` of each page), concatenated in server order,
    /// each decoded as `T` straight from the page.
    async fn list<T: DeserializeOwned>(
        &mut self,
        path: &str,
        scope: &str,
        key: &str,
        mut pager: Pager,
    ) -> Result<Vec<T>, RegistryError> {
        let mut items = Vec::new();
        let decode = |body: &[u8]| decode_page::<T>(body, key);
        // A Link back to a page already asked for, or one that follows an empty page, would
        // never end (or end nowhere): an error, never a listing cut short.
        let mut asked = std::collections::HashSet::new();
        loop {
            let params = pager.next_params().to_vec();
            if !asked.insert(params.clone()) {
                return Err(RegistryError::BadLink(format!(
                    "a page already read again: {}",
                    form_encode(&params)
                )));
            }
            let reply = self.call(Method::GET, path, &params, scope, None, &decode).await?;
            let empty = match reply.body {
                Some(PageItems::Items(page)) => {
                    let empty = page.is_empty();
                    items.extend(page);
                    empty
                }
                Some(PageItems::Null) => true,
                _ => return Err(RegistryError::MissingKey(key.to_string())),
            };
            if !pager.advance(reply.link.as_deref())? {
                return Ok(items);
            }
            if empty {
                return Err(RegistryError::BadLink(format!(
                    "an empty page with a next page: {}",
                    reply.link.unwrap_or_default()
                )));
            }
        }
    }

    /// A DELETE; the answer's JSON body, if it had one.
    async fn delete(&mut self, path: &str, scope: &str) -> Result<Option<Data>, RegistryError> {
        Ok(self.call(Method::DELETE, path, &[], scope, None, &Data::from_json).await?.body)
    }
}

fn indexed(body: Option<Data>, key: Option<&str>) -> Result<Data, RegistryError> {
    let body = body.unwrap_or(Data::Null);
    match key {
        None => Ok(body),
        Some(key) => {
            let mut body = body;
            body.take(key).ok_or_else(|| RegistryError::MissingKey(key.to_string()))
        }
    }
}
