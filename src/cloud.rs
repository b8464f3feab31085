//! The cloud az talks to, as az's configuration names it: `[cloud] name` in
//! `$AZURE_CONFIG_DIR/config` (`az cloud set`; default AzureCloud), its endpoints from az's
//! built-in clouds with `clouds.config` (`az cloud register` / `az cloud update`) laid over
//! them, option by option, as az reads them.

use crate::config::{Config, Ini};

/// The default cloud (az's `AzureCloud`).
pub const DEFAULT_CLOUD: &str = "AzureCloud";

#[derive(Clone, Debug, PartialEq)]
pub struct Cloud {
    pub name: String,
    /// `suffixes.acrLoginServerEndpoint` (`.azurecr.io`), with its leading dot.
    pub acr_suffix: String,
    /// Entra ID's authority (`endpoints.activeDirectory`).
    pub active_directory: String,
    /// Resource Manager (`endpoints.resourceManager`).
    pub resource_manager: String,
    /// The resource ARM tokens are asked for (`endpoints.activeDirectoryResourceId`).
    pub active_directory_resource_id: String,
}

/// az 2.91.0's built-in clouds: (name, ACR suffix, authority, Resource Manager, ARM resource).
const BUILT_IN: &[(&str, &str, &str, &str, &str)] = &[
    (
        "AzureCloud",
        ".azurecr.io",
        "https://login.microsoftonline.com",
        "https://management.azure.com/",
        "https://management.core.windows.net/",
    ),
    (
        "AzureChinaCloud",
        ".azurecr.cn",
        "https://login.chinacloudapi.cn",
        "https://management.chinacloudapi.cn",
        "https://management.core.chinacloudapi.cn/",
    ),
    (
        "AzureUSGovernment",
        ".azurecr.us",
        "https://login.microsoftonline.us",
        "https://management.usgovcloudapi.net/",
        "https://management.core.usgovcloudapi.net/",
    ),
    (
        "AzureBleuCloud",
        ".azurecr.sovcloud-azure.fr",
        "https://login.sovcloud-identity.fr",
        "https://management.sovcloud-api.fr",
        "https://management.sovcloud-api.fr/",
    ),
];

impl Cloud {
    /// The current cloud. A name that is neither built in nor registered is AzureCloud (az
    /// resets its configuration to it, with a warning).
    pub fn current(config: &Config) -> Cloud {
        let name =
            config.get("cloud", "name").filter(|n| !n.is_empty()).unwrap_or_else(|| DEFAULT_CLOUD.into());
        let registered = Ini::read(&config.dir().join("clouds.config"));
        Cloud::named(&name, registered.as_ref()).unwrap_or_else(|| {
            Cloud::named(DEFAULT_CLOUD, registered.as_ref()).expect("AzureCloud is built in")
        })
    }

    /// A built-in cloud with `clouds.config`'s options over it, or a registered one.
    fn named(name: &str, registered: Option<&Ini>) -> Option<Cloud> {
        let option = |key: &str| registered.and_then(|ini| ini.get(name, key));
        let built_in = BUILT_IN.iter().find(|c| c.0 == name);
        let is_registered = registered.is_some_and(|ini| ini.has_section(name));
        if built_in.is_none() && !is_registered {
            return None;
        }
        let (_, suffix, authority, arm, arm_resource) = built_in.copied().unwrap_or((name, "", "", "", ""));
        let pick = |key: &str, default: &str| option(key).unwrap_or_else(|| default.to_string());
        Some(Cloud {
            name: name.to_string(),
            acr_suffix: pick("suffix_acr_login_server_endpoint", suffix),
            active_directory: pick("endpoint_active_directory", authority),
            resource_manager: pick("endpoint_resource_manager", arm),
            active_directory_resource_id: pick("endpoint_active_directory_resource_id", arm_resource),
        })
    }

    /// The scope of an ARM token, as az makes it from the resource (`resource + "/.default"`,
    /// the resource's trailing slash kept: `https://management.core.windows.net//.default`).
    pub fn arm_scope(&self) -> String {
        format!("{}/.default", self.active_directory_resource_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::env::Env;

    fn config_of(files: &[(&str, &str)], vars: &[(&str, &str)]) -> (tempfile::TempDir, Config) {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let mut all = vec![("AZURE_CONFIG_DIR".to_string(), dir.path().display().to_string())];
        all.extend(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        let config = Config::load(&Env::of(all));
        (dir, config)
    }

    #[test]
    fn the_default_cloud_is_azure_cloud() {
        let (_d, config) = config_of(&[], &[]);
        let cloud = Cloud::current(&config);
        assert_eq!(cloud.name, "AzureCloud");
        assert_eq!(cloud.acr_suffix, ".azurecr.io");
        assert_eq!(cloud.active_directory, "https://login.microsoftonline.com");
        assert_eq!(cloud.resource_manager, "https://management.azure.com/");
        assert_eq!(cloud.arm_scope(), "https://management.core.windows.net//.default");
    }

    #[test]
    fn built_in_clouds_by_name() {
        let (_d, config) = config_of(&[("config", "[cloud]\nname = AzureChinaCloud\n")], &[]);
        let cloud = Cloud::current(&config);
        assert_eq!(
            (cloud.acr_suffix.as_str(), cloud.active_directory.as_str(), cloud.resource_manager.as_str()),
            (".azurecr.cn", "https://login.chinacloudapi.cn", "https://management.chinacloudapi.cn")
        );
        // az's AZURE_CLOUD_NAME override of `[cloud] name`.
        let (_d, config) = config_of(&[], &[("AZURE_CLOUD_NAME", "AzureUSGovernment")]);
        let cloud = Cloud::current(&config);
        assert_eq!(cloud.acr_suffix, ".azurecr.us");
        assert_eq!(cloud.arm_scope(), "https://management.core.usgovcloudapi.net//.default");
    }

    #[test]
    fn registered_clouds_come_from_clouds_config() {
        // As `az cloud register --skip-endpoint-discovery …` writes it.
        let registered = "[Emu]\nendpoint_active_directory = https://localhost:1234\n\
            endpoint_active_directory_resource_id = https://management.core.windows.net/\n\
            endpoint_resource_manager = https://localhost:1234/\n\
            suffix_acr_login_server_endpoint = .azurecr.example\n\n\
            [AzureCloud]\nsuffix_acr_login_server_endpoint = .azurecr.changed\n";
        let (_d, config) =
            config_of(&[("config", "[cloud]\nname = Emu\n"), ("clouds.config", registered)], &[]);
        let cloud = Cloud::current(&config);
        assert_eq!(cloud.name, "Emu");
        assert_eq!(cloud.acr_suffix, ".azurecr.example");
        assert_eq!(cloud.active_directory, "https://localhost:1234");
        assert_eq!(cloud.resource_manager, "https://localhost:1234/");
        // `az cloud update` on a built-in cloud: its options over the built-in values.
        let (_d, config) = config_of(&[("clouds.config", registered)], &[]);
        let cloud = Cloud::current(&config);
        assert_eq!(cloud.acr_suffix, ".azurecr.changed");
        assert_eq!(cloud.resource_manager, "https://management.azure.com/");
        // A name nobody registered: AzureCloud.
        let (_d, config) = config_of(&[("config", "[cloud]\nname = Nowhere\n")], &[]);
        assert_eq!(Cloud::current(&config).name, "AzureCloud");
    }
}
