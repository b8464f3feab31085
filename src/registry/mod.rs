//! A thin ACR data-plane client: az's requests, az's scopes, one token per scope per run.

pub mod auth;
pub mod error;
pub mod paging;
pub mod paths;
pub mod reference;
pub mod transport;

use std::collections::HashMap;

use reqwest::{Client, Method, Url};

pub use auth::{AadToken, Credentials};
pub use error::RegistryError;
use paging::{PageItems, Pager, decode_page};
use serde::de::DeserializeOwned;
use transport::{Call, Decode, form_encode};

use crate::output::Data;

/// The permissions az asks for, per command.
#[derive(Clone, Copy, Debug)]
pub enum Access {
    MetadataRead,
    MetadataWrite,
    /// Delete with the reads that go with it (az's `delete`).
    Delete,
    /// Delete alone (az's `untag`).
    DeleteOnly,
}

impl Access {
    fn actions(self) -> &'static str {
        match self {
            Access::MetadataRead => "metadata_read",
            Access::MetadataWrite => "metadata_write,metadata_read",
            Access::Delete => "delete,metadata_read",
            Access::DeleteOnly => "delete",
        }
    }
}

/// az's token scope; an empty repository name turns it into a registry scope.
pub fn scope(repository: &str, access: Access) -> String {
    if repository.is_empty() {
        format!("registry:{}:*", access.actions())
    } else {
        format!("repository:{repository}:{}", access.actions())
    }
}

pub struct Registry {
    client: Client,
    login_server: String,
    challenge: auth::Challenge,
    credentials: Credentials,
    tokens: HashMap<String, String>,
}

impl Registry {
    /// Probes the login server (az's reachability check and challenge in one request).
    /// Probes the login server; `sign_in` must follow before any data call.
    pub async fn connect(name: &str, login_server: &str) -> Result<Registry, RegistryError> {
        let client = transport::build_client(login_server)?;
        let challenge = auth::Challenge::probe(&client, login_server, name).await?;
        Ok(Registry {
            client,
            login_server: login_server.to_string(),
            challenge,
            credentials: Credentials::Aad(Err(String::new())),
            tokens: HashMap::new(),
        })
    }

    pub fn sign_in(&mut self, credentials: Credentials) {
        self.credentials = credentials;
        self.tokens.clear();
    }

    async fn authorization(&mut self, scope: &str) -> Result<String, RegistryError> {
        if let Some(token) = self.tokens.get(scope) {
            return Ok(token.clone());
        }
        let token =
            auth::authorize(&self.client, &self.login_server, &self.challenge, &self.credentials, scope)
                .await?;
        self.tokens.insert(scope.to_string(), token.clone());
        Ok(token)
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
        let auth = self.authorization(scope).await?;
        let url = self.url(path, params)?;
        transport::send(&self.client, &Call { method, url, auth: &auth, json }, decode).await
    }

    /// A GET; the answer, or `answer[index]` (az fails, after its retries, when the key is missing).
    pub async fn get(&mut self, path: &str, scope: &str, index: Option<&str>) -> Result<Data, RegistryError> {
        let reply = self.call(Method::GET, path, &[], scope, None, &Data::from_json).await?;
        indexed(reply.body, index)
    }

    /// A request with a JSON body (`update`'s PATCH, and its GET when no attribute is given).
    pub async fn send_json(
        &mut self,
        method: Method,
        path: &str,
        scope: &str,
        body: &serde_json::Value,
        index: Option<&str>,
    ) -> Result<Data, RegistryError> {
        let reply = self.call(method, path, &[], scope, Some(body), &Data::from_json).await?;
        indexed(reply.body, index)
    }

    /// Every item of a paged list (`body[key]` of each page), concatenated in server order,
    /// each decoded as `T` straight from the page.
    pub async fn list<T: DeserializeOwned>(
        &mut self,
        path: &str,
        scope: &str,
        key: &str,
        top: Option<i64>,
        orderby: Option<&str>,
    ) -> Result<Vec<T>, RegistryError> {
        let mut pager = Pager::new(top, orderby);
        let mut items = Vec::new();
        let decode = |body: &[u8]| decode_page::<T>(body, key);
        loop {
            let params = pager.next_params().to_vec();
            let reply = self.call(Method::GET, path, &params, scope, None, &decode).await?;
            match reply.body {
                Some(PageItems::Items(page)) => items.extend(page),
                Some(PageItems::Null) => {}
                _ => return Err(RegistryError::Request(format!("'{key}'"))),
            }
            if !pager.advance(reply.link.as_deref()).map_err(RegistryError::Request)? {
                return Ok(items);
            }
        }
    }

    /// A DELETE; the answer's JSON body, if it had one.
    pub async fn delete(&mut self, path: &str, scope: &str) -> Result<Option<Data>, RegistryError> {
        Ok(self.call(Method::DELETE, path, &[], scope, None, &Data::from_json).await?.body)
    }
}

fn indexed(body: Option<Data>, index: Option<&str>) -> Result<Data, RegistryError> {
    let body = body.unwrap_or(Data::Null);
    match index {
        None => Ok(body),
        Some(key) => {
            let mut body = body;
            body.take(key).ok_or_else(|| RegistryError::Request(format!("'{key}'")))
        }
    }
}
