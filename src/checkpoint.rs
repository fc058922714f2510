//! Run checkpoints: everything a run needs to continue exactly where it stopped, as one
//! `.safetensors` file: the weights with PyTorch's names ([`crate::weights`]), Adam's moments
//! beside them and the run's bookkeeping ([`RunState`]) as JSON in the metadata.

use std::collections::{BTreeMap, HashMap};

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::prelude::*;
use burn::tensor::Transaction;
use safetensors::tensor::{Dtype, SafeTensors, TensorView};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::adam::{Adam, Moments};
use crate::metrics::EpochMetrics;
use crate::model::{ResNet, ResNetConfig};
use crate::recipe::{LrState, TrainConfig};
use crate::weights::WeightsError;

/// The weights' error and functions under their earlier paths (`crate::checkpoint::…`), until
/// every caller uses [`crate::weights`], where they live.
pub use crate::weights::{WeightsError as CheckpointError, load_safetensors, to_safetensors};

/// The value of the `format` metadata key of a run checkpoint.
pub const FORMAT: &str = "resnet-webgpu/checkpoint/1";
/// Prefix of Adam's first moments in a checkpoint file (PyTorch calls them `exp_avg`).
const FIRST: &str = "optimizer.exp_avg.";
/// Prefix of Adam's second moments (PyTorch's `exp_avg_sq`).
const SECOND: &str = "optimizer.exp_avg_sq.";

/// The bookkeeping of a run at an epoch boundary. The random generators need no state of their
/// own: every epoch draws from a stream fixed by the seed and the epoch number
/// ([`crate::trainer::epoch_rng`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    /// The run's settings (seed included).
    pub config: TrainConfig,
    /// Epochs finished: the run continues with epoch `epochs_done` (from 0).
    pub epochs_done: usize,
    /// The learning-rate schedule and plateau reducer.
    pub lr: LrState,
    /// Best validation accuracy so far (the `best` checkpoint's).
    pub best_val_accuracy: Option<f64>,
    /// Adam steps taken.
    pub adam_steps: usize,
    /// Every finished epoch's metrics.
    pub history: Vec<EpochMetrics>,
}

/// A run at an epoch boundary, on the host: the model (on the CPU device, inference mode),
/// Adam's moments by module path and the bookkeeping. Serialised as one `.safetensors` file whose
/// weights carry PyTorch's names ([`crate::weights`]), with the moments beside them under
/// `optimizer.exp_avg.<path>` / `optimizer.exp_avg_sq.<path>` and the [`RunState`] as JSON in the
/// metadata (`format`, `run`).
#[derive(Clone, Debug)]
pub struct Checkpoint {
    pub run: RunState,
    /// The model on [`Device::flex`], in inference mode.
    pub model: ResNet,
    /// Adam's first and second moments, flattened, by module path.
    pub moments: BTreeMap<String, (Vec<f32>, Vec<f32>)>,
}

/// Why a run checkpoint could not be taken, written or read.
#[derive(Debug, Error)]
pub enum RunCheckpointError {
    #[error("reading the model back from the device failed: {0}")]
    Device(String),
    #[error("the weights are no longer finite numbers ({0} holds NaN or infinity); the checkpoint was not written")]
    NonFinite(String),
    #[error("not a safetensors file ({0})")]
    NotSafetensors(String),
    #[error("a weights file without a training state: it can be evaluated or used as a starting point, not continued")]
    WeightsOnly,
    #[error("a safetensors file from another program (format {0:?})")]
    Foreign(String),
    #[error("the training state in the file is damaged: {0}")]
    BadState(String),
    #[error(transparent)]
    Weights(#[from] WeightsError),
}

/// The float tensors of a module, by module path.
#[derive(Default)]
struct Collect {
    path: Vec<String>,
    tensors: Vec<(String, Tensor<1>, Vec<usize>)>,
}

impl ModuleVisitor for Collect {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let tensor = param.val();
        let shape = tensor.shape().dims::<D>().to_vec();
        let count: usize = shape.iter().product();
        self.tensors.push((self.path.join("."), tensor.reshape([count]), shape));
    }
}

fn collect(model: &ResNet) -> Vec<(String, Tensor<1>, Vec<usize>)> {
    let mut visitor = Collect::default();
    model.visit(&mut visitor);
    visitor.tensors
}

/// Replaces every float tensor of a module by host values with the same path, on the tensor's
/// own device, keeping whether it requires a gradient.
struct Assign<'a> {
    path: Vec<String>,
    values: &'a mut BTreeMap<String, Vec<f32>>,
    problems: Vec<String>,
}

impl ModuleMapper for Assign<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }
    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, tensor, mapper) = param.consume();
        let name = self.path.join(".");
        let shape = tensor.shape();
        let tensor = match self.values.remove(&name) {
            Some(values) if values.len() == shape.num_elements() => {
                let mut replaced = Tensor::<D>::from_data(TensorData::new(values, shape), &tensor.device());
                if tensor.is_require_grad() {
                    replaced = replaced.require_grad();
                }
                replaced
            }
            Some(values) => {
                self.problems.push(format!("{name}: {} values for shape {:?}", values.len(), shape));
                tensor
            }
            None => {
                self.problems.push(format!("{name} is missing"));
                tensor
            }
        };
        Param::from_mapped_value(id, tensor, mapper)
    }
}

/// A fresh `config.model` on `device` holding `values` (host data by module path).
fn model_with(
    config: &TrainConfig,
    mut values: BTreeMap<String, Vec<f32>>,
    device: &Device,
) -> Result<ResNet, RunCheckpointError> {
    let model = ResNetConfig::from(config.model)
        .with_seed(config.seed)
        .try_init(device)
        .map_err(|e| RunCheckpointError::BadState(e.to_string()))?;
    let mut assign = Assign { path: Vec::new(), values: &mut values, problems: Vec::new() };
    let model = model.map(&mut assign);
    if !assign.problems.is_empty() {
        return Err(RunCheckpointError::BadState(assign.problems.join("; ")));
    }
    Ok(model)
}

fn first_non_finite<'a>(values: impl IntoIterator<Item = (&'a String, &'a Vec<f32>)>) -> Option<String> {
    values
        .into_iter()
        .find(|(_, v)| v.iter().any(|x| !x.is_finite()))
        .map(|(name, _)| name.clone())
}

impl Checkpoint {
    /// Reads `model` (the training model) and `adam`'s moments back from the device with one
    /// asynchronous transaction. Refuses weights or moments that are not finite, so that a
    /// diverged run never overwrites a good checkpoint.
    pub async fn capture(model: &ResNet, adam: &Adam, run: RunState) -> Result<Self, RunCheckpointError> {
        // Two reads: a transaction holds tensors of one kind, and the model's are autodiff
        // tensors while the moments are not.
        let read = async |tensors: Vec<Tensor<1>>| {
            let mut transaction = Transaction::default();
            for tensor in tensors {
                transaction = transaction.register(tensor);
            }
            let data = transaction
                .execute_async()
                .await
                .map_err(|e| RunCheckpointError::Device(format!("{e:?}")))?;
            Ok::<_, RunCheckpointError>(data.into_iter().map(|d| d.iter::<f32>().collect::<Vec<f32>>()))
        };
        let tensors = collect(model);
        let names: Vec<String> = tensors.iter().map(|(name, _, _)| name.clone()).collect();
        let weights: BTreeMap<String, Vec<f32>> =
            names.into_iter().zip(read(tensors.into_iter().map(|(_, t, _)| t).collect()).await?).collect();
        let mut data = read(
            adam.moments().values().flat_map(|m| [m.first.clone(), m.second.clone()]).collect(),
        )
        .await?;
        let mut moments = BTreeMap::new();
        for name in adam.moments().keys() {
            let (Some(first), Some(second)) = (data.next(), data.next()) else {
                return Err(RunCheckpointError::Device("fewer tensors came back than were asked for".into()));
            };
            moments.insert(name.clone(), (first, second));
        }
        if let Some(name) = first_non_finite(&weights) {
            return Err(RunCheckpointError::NonFinite(name));
        }
        let moment_values = moments.iter().flat_map(|(n, (a, b))| [(n, a), (n, b)]);
        if let Some(name) = first_non_finite(moment_values) {
            return Err(RunCheckpointError::NonFinite(format!("Adam's moments of {name}")));
        }
        let model = model_with(&run.config, weights, &Device::flex())?.valid();
        Ok(Self { run, model, moments })
    }

    /// The model on `device`: a training device (with autodiff) to continue, or one without to
    /// evaluate and classify.
    pub fn model_on(&self, device: &Device) -> Result<ResNet, RunCheckpointError> {
        let weights: BTreeMap<String, Vec<f32>> = collect(&self.model)
            .into_iter()
            .map(|(name, tensor, _)| (name, tensor.into_data().iter::<f32>().collect()))
            .collect();
        model_with(&self.run.config, weights, device)
    }

    /// The model on `device` (a training device, with autodiff) and Adam with its moments, ready
    /// to continue.
    pub fn restore(&self, device: &Device) -> Result<(ResNet, Adam), RunCheckpointError> {
        let model = self.model_on(device)?;
        let inner = device.clone().without_autodiff();
        let moments = self
            .moments
            .iter()
            .map(|(name, (first, second))| {
                let tensor = |v: &Vec<f32>| Tensor::<1>::from_data(TensorData::new(v.clone(), [v.len()]), &inner);
                (name.clone(), Moments { first: tensor(first), second: tensor(second) })
            })
            .collect();
        let config = &self.run.config;
        let mut adam = Adam::new(config.beta_1, config.beta_2, config.epsilon);
        adam.restore(self.run.adam_steps, moments);
        Ok((model, adam))
    }

    /// The weights alone, as the PyTorch-compatible file of [`to_safetensors`].
    pub fn weights(&self) -> Result<Vec<u8>, WeightsError> {
        to_safetensors(&self.model)
    }

    /// The whole checkpoint as one `.safetensors` file.
    pub fn to_bytes(&self) -> Result<Vec<u8>, RunCheckpointError> {
        let weights = self.weights()?;
        let file = SafeTensors::deserialize(&weights)
            .map_err(|e| WeightsError::Save(e.to_string()))?;
        let moment_bytes: Vec<(String, Vec<u8>, usize)> = self
            .moments
            .iter()
            .flat_map(|(name, (first, second))| {
                [(format!("{FIRST}{name}"), first), (format!("{SECOND}{name}"), second)]
            })
            .map(|(name, values)| {
                (name, values.iter().flat_map(|v| v.to_le_bytes()).collect(), values.len())
            })
            .collect();
        let mut views: Vec<(String, TensorView<'_>)> = file.tensors();
        for (name, bytes, len) in &moment_bytes {
            let view = TensorView::new(Dtype::F32, vec![*len], bytes)
                .map_err(|e| WeightsError::Save(e.to_string()))?;
            views.push((name.clone(), view));
        }
        let run = serde_json::to_string(&self.run).map_err(|e| WeightsError::Save(e.to_string()))?;
        let metadata = HashMap::from([("format".to_string(), FORMAT.to_string()), ("run".to_string(), run)]);
        Ok(safetensors::serialize(views, Some(metadata)).map_err(|e| WeightsError::Save(e.to_string()))?)
    }

    /// Reads a file written by [`Checkpoint::to_bytes`], checking everything against the
    /// architecture it names. Nothing is changed anywhere when this fails.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, RunCheckpointError> {
        let file = SafeTensors::deserialize(bytes).map_err(|e| RunCheckpointError::NotSafetensors(e.to_string()))?;
        let (_, header) =
            SafeTensors::read_metadata(bytes).map_err(|e| RunCheckpointError::NotSafetensors(e.to_string()))?;
        let metadata = header.metadata().clone().unwrap_or_default();
        let Some(run) = metadata.get("run") else {
            return Err(RunCheckpointError::WeightsOnly);
        };
        if metadata.get("format").map(String::as_str) != Some(FORMAT) {
            return Err(RunCheckpointError::Foreign(metadata.get("format").cloned().unwrap_or_default()));
        }
        let run: RunState = serde_json::from_str(run).map_err(|e| RunCheckpointError::BadState(e.to_string()))?;
        if run.history.len() != run.epochs_done {
            return Err(RunCheckpointError::BadState(format!(
                "{} epochs done but {} in the history",
                run.epochs_done,
                run.history.len()
            )));
        }

        // The weights: every tensor but the optimizer's, through the PyTorch loader.
        let mut weight_views = Vec::new();
        let mut moment_values: BTreeMap<String, (Option<Vec<f32>>, Option<Vec<f32>>)> = BTreeMap::new();
        for (name, view) in file.tensors() {
            let slot = if let Some(path) = name.strip_prefix(FIRST) {
                Some((path.to_string(), true))
            } else {
                name.strip_prefix(SECOND).map(|path| (path.to_string(), false))
            };
            match slot {
                None => weight_views.push((name, view)),
                Some((path, first)) => {
                    if view.dtype() != Dtype::F32 {
                        return Err(RunCheckpointError::BadState(format!("{name} is {:?}, not F32", view.dtype())));
                    }
                    let values: Vec<f32> = view
                        .data()
                        .chunks_exact(4)
                        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                        .collect();
                    let entry = moment_values.entry(path).or_default();
                    if first { entry.0 = Some(values) } else { entry.1 = Some(values) }
                }
            }
        }
        let weights = safetensors::serialize(weight_views, None)
            .map_err(|e| RunCheckpointError::BadState(e.to_string()))?;
        let mut model = ResNetConfig::from(run.config.model)
            .try_init(&Device::flex())
            .map_err(|e| RunCheckpointError::BadState(e.to_string()))?
            .valid();
        load_safetensors(&mut model, weights)?;

        // The moments: one pair per trainable tensor, each the size of its tensor.
        let sizes: BTreeMap<String, usize> = collect(&model)
            .into_iter()
            .map(|(name, _, shape)| (name, shape.iter().product()))
            .collect();
        let mut moments = BTreeMap::new();
        for (path, pair) in moment_values {
            let (Some(first), Some(second)) = pair else {
                return Err(RunCheckpointError::BadState(format!("only one of Adam's moments of {path}")));
            };
            match sizes.get(&path) {
                Some(&size) if size == first.len() && size == second.len() => {}
                Some(&size) => {
                    return Err(RunCheckpointError::BadState(format!(
                        "Adam's moments of {path} have {} values, the tensor {size}",
                        first.len()
                    )));
                }
                None => return Err(RunCheckpointError::BadState(format!("Adam's moments for an unknown tensor {path}"))),
            }
            moments.insert(path, (first, second));
        }
        let trainable = sizes.keys().filter(|name| !name.ends_with("running_mean") && !name.ends_with("running_var"));
        if run.adam_steps > 0
            && let Some(missing) = trainable.clone().find(|name| !moments.contains_key(*name))
        {
            return Err(RunCheckpointError::BadState(format!("Adam's moments of {missing} are missing")));
        }
        Ok(Self { run, model, moments })
    }
}
