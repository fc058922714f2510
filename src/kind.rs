//! Which network: the version (ResNet v1, v2, or the plain network) and the depth, with the
//! names the CLI, the page and links use (`resnet20v1`, `plain56`) and the page's catalogue.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// ResNet v1 (He et al. 2016a), v2 (He et al. 2016b, pre-activation), or the plain network
/// of He et al. 2016a: v1 layer for layer without the shortcuts (no identity sums, no 1×1
/// projections: the stride-2 convolution alone changes the dimensions), batch norm kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Version {
    V1,
    V2,
    Plain,
}

/// The depths the seed's table lists for each version.
pub const V1_DEPTHS: [usize; 5] = [20, 32, 44, 56, 110];
/// The depths the seed's table lists for v2.
pub const V2_DEPTHS: [usize; 4] = [29, 56, 110, 164];
/// The plain networks' depths: v1's (He et al. compare plain-20 … plain-110 with them).
pub const PLAIN_DEPTHS: [usize; 5] = V1_DEPTHS;

/// A model that cannot be built.
#[derive(Debug, Error, PartialEq)]
pub enum ModelError {
    #[error(
        "ResNet v1 needs depth = 6n + 2 with n ≥ 1 (e.g. {V1_DEPTHS:?}); {depth} is not of that form"
    )]
    BadV1Depth { depth: usize },
    #[error(
        "ResNet v2 needs depth = 9n + 2 with n ≥ 1 (e.g. {V2_DEPTHS:?}); {depth} is not of that form"
    )]
    BadV2Depth { depth: usize },
    #[error(
        "a plain network needs depth = 6n + 2 with n ≥ 1, as ResNet v1 (e.g. {PLAIN_DEPTHS:?}); \
         {depth} is not of that form"
    )]
    BadPlainDepth { depth: usize },
    #[error("at least 2 classes are needed, got {0}")]
    BadClasses(usize),
    #[error(
        "unknown model `{0}`: write resnet<depth>v<version> or plain<depth>, e.g. resnet20v1, \
         resnet32v1, resnet29v2, resnet56v2, plain20, plain56"
    )]
    BadName(String),
}

/// Which network: a version and a depth, named like the seed's `model_type` (`ResNet20v1`), or
/// `plain20` for a plain network.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ModelKind {
    pub version: Version,
    pub depth: usize,
}

impl ModelKind {
    /// ResNet20 v1, the page's first choice.
    pub const RESNET20_V1: Self = Self { version: Version::V1, depth: 20 };
    /// ResNet29 v2, the seed's own run.
    pub const RESNET29_V2: Self = Self { version: Version::V2, depth: 29 };
    /// Plain-20, ResNet20 v1 without its shortcuts.
    pub const PLAIN20: Self = Self { version: Version::Plain, depth: 20 };
    /// Plain-56, whose training error He et al. found higher than plain-20's.
    pub const PLAIN56: Self = Self { version: Version::Plain, depth: 56 };

    /// Checks the depth; returns the blocks per stage (the seed's `num_res_blocks`).
    pub fn blocks_per_stage(&self) -> Result<usize, ModelError> {
        let (step, error) = match self.version {
            Version::V1 => (6, ModelError::BadV1Depth { depth: self.depth }),
            Version::V2 => (9, ModelError::BadV2Depth { depth: self.depth }),
            Version::Plain => (6, ModelError::BadPlainDepth { depth: self.depth }),
        };
        if self.depth < step + 2 || (self.depth - 2) % step != 0 {
            return Err(error);
        }
        Ok((self.depth - 2) / step)
    }

    /// Every model the page offers, in the order it lists them; the first is the default. The
    /// seed's table: ResNet20 v1 and its own ResNet29 v2 first, then v1 by depth, then v2; then
    /// the plain networks by depth.
    pub fn catalogue() -> &'static [ModelKind] {
        const fn v1(depth: usize) -> ModelKind {
            ModelKind { version: Version::V1, depth }
        }
        const fn v2(depth: usize) -> ModelKind {
            ModelKind { version: Version::V2, depth }
        }
        const fn plain(depth: usize) -> ModelKind {
            ModelKind { version: Version::Plain, depth }
        }
        const CATALOGUE: [ModelKind; 14] = [
            v1(20),
            v2(29),
            v1(32),
            v1(44),
            v1(56),
            v1(110),
            v2(56),
            v2(110),
            v2(164),
            plain(20),
            plain(32),
            plain(44),
            plain(56),
            plain(110),
        ];
        &CATALOGUE
    }

    /// The name people read, e.g. `ResNet20 v1` or `Plain-20` (the parseable name is
    /// [`ModelKind`]'s `Display`, `resnet20v1` or `plain20`; both parse).
    pub fn label(&self) -> String {
        match self.version.number() {
            Some(number) => format!("ResNet{} v{number}", self.depth),
            None => format!("Plain-{}", self.depth),
        }
    }

    /// Whether the blocks add a shortcut (every ResNet) or not (the plain networks).
    pub fn has_shortcuts(&self) -> bool {
        self.version.has_shortcuts()
    }
}

impl Version {
    /// 1 or 2 for a ResNet; none for a plain network.
    pub fn number(&self) -> Option<u8> {
        match self {
            Version::V1 => Some(1),
            Version::V2 => Some(2),
            Version::Plain => None,
        }
    }

    /// Whether the blocks add a shortcut (v1, v2) or not (plain).
    pub fn has_shortcuts(&self) -> bool {
        self.number().is_some()
    }
}

impl Default for ModelKind {
    fn default() -> Self {
        Self::RESNET20_V1
    }
}

impl fmt::Display for ModelKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.version.number() {
            Some(number) => write!(f, "resnet{}v{number}", self.depth),
            None => write!(f, "plain{}", self.depth),
        }
    }
}

impl FromStr for ModelKind {
    type Err = ModelError;

    /// Parses `resnet20v1`, `ResNet29v2`, `plain20`, `Plain-56`, … and checks the depth.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let bad = || ModelError::BadName(name.to_string());
        let lower = name.trim().to_ascii_lowercase();
        let digits = |text: &str| -> Result<usize, ModelError> {
            // `usize::from_str` would take a leading `+`.
            if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad());
            }
            text.parse().map_err(|_| bad())
        };
        let kind = if let Some(rest) = lower.strip_prefix("plain") {
            let depth = digits(rest.strip_prefix('-').unwrap_or(rest))?;
            ModelKind { version: Version::Plain, depth }
        } else {
            let rest = lower.strip_prefix("resnet").ok_or_else(bad)?;
            let (depth, version) = rest.split_once('v').ok_or_else(bad)?;
            let depth = digits(depth)?;
            let version = match version {
                "1" => Version::V1,
                "2" => Version::V2,
                _ => return Err(bad()),
            };
            ModelKind { version, depth }
        };
        kind.blocks_per_stage()?;
        Ok(kind)
    }
}

impl TryFrom<String> for ModelKind {
    type Error = ModelError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<ModelKind> for String {
    fn from(kind: ModelKind) -> Self {
        kind.to_string()
    }
}
