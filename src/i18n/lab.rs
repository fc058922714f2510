//! The lab's texts (experiments, presets, compared runs), in both languages side by side.

use crate::experiment::{Check, Errors, Experiment, Finding, Net, Numbers, Verdict};
use crate::html::duration;

/// A plan, formatted for [`LabTexts::plan`].
pub struct PlanTexts<'a> {
    /// The experiment's name (`None`: a single run).
    pub name: Option<&'a str>,
    pub models: &'a str,
    pub epochs: usize,
    pub train_images: &'a str,
    pub test_images: &'a str,
    pub expected_seconds: f64,
    pub budget_seconds: f64,
    pub fits: bool,
}

pub struct LabTexts {
    pub name: fn(Experiment) -> &'static str,
    /// What the reader should look for in the experiment's curves.
    pub look_for: fn(Experiment) -> &'static str,
    /// What the finished runs showed, with their numbers, honestly.
    pub finding: fn(&Finding) -> String,
    pub plan: fn(&PlanTexts) -> String,
    pub measuring: &'static str,
    /// Training images per second measured with a model.
    pub measured: fn(f64, &str) -> String,
    /// The expected duration of the controls' settings.
    pub eta: fn(f64) -> String,
    /// Experiment name, run (from 1), runs, model.
    pub progress: fn(&str, usize, usize, &str) -> String,
    /// The seconds an experiment has left.
    pub left: fn(f64) -> String,
    pub done: fn(&str) -> String,
    /// An unfinished experiment found at start-up: name, runs finished, runs.
    pub saved: fn(&str, usize, usize) -> String,
    pub runs_empty: &'static str,
    pub runs_head: [&'static str; 5],
    /// Epochs done, epochs, batch, training images, test images, learning rate, augmentation on.
    pub settings: fn(usize, usize, usize, &str, &str, &str, bool) -> String,
    /// The experiment a kept run belongs to, by its name.
    pub of_experiment: fn(&str) -> String,
    pub stopped: &'static str,
    pub delete: &'static str,
    /// A run's buttons' names for a screen reader: what (CSV, JSON, delete), the run, its date.
    pub run_button: fn(&str, &str, &str) -> String,
    /// Asked before a run is deleted: the run, its date.
    pub confirm_delete: fn(&str, &str) -> String,
    /// Asked before a new experiment replaces an unfinished one: its name, networks finished, networks.
    pub confirm_replace: fn(&str, usize, usize) -> String,
    pub no_augment: &'static str,
    /// The same in a file name.
    pub no_augment_file: &'static str,
    pub train_error: &'static str,
    pub test_error: &'static str,
    pub axis_error: &'static str,
    pub overlay_title: &'static str,
    pub pick_runs: &'static str,
    /// A preset set in the controls: its name and expected duration.
    pub preset_ready: fn(&str, f64) -> String,
    pub quick: &'static str,
    pub paper: &'static str,
    pub busy: &'static str,
    pub all_images: &'static str,
    /// Whose feature maps: a test image (its index, class, the model's epoch from 1); the
    /// person's own image (the model that looked at it).
    pub feature_maps_test: fn(usize, &str, usize) -> String,
    pub feature_maps_own: fn(&str) -> String,
}

fn pct(x: f64) -> String {
    format!("{:.1} %", 100.0 * x)
}

fn errors_es(e: Errors) -> String {
    format!("{} (prueba {})", pct(e.train), pct(e.test))
}

fn errors_en(e: Errors) -> String {
    format!("{} (test {})", pct(e.train), pct(e.test))
}

fn points(c: &Check) -> String {
    format!("±{:.1}", 100.0 * c.margin)
}

fn finding_es(f: &Finding) -> String {
    let checks = f.checks();
    let (numbers, clauses) = match f.numbers {
        Numbers::Degradation { plain20, plain56, resnet20, resnet56 } => {
            let plain = match checks[0].holds {
                Some(true) => format!("Sin atajos, la red de 56 capas acaba peor que la de 20, más allá del ruido ({} puntos): se ve la degradación.", points(&checks[0])),
                Some(false) => format!("Sin atajos, la red de 56 capas acaba mejor que la de 20, más allá del ruido ({} puntos): aquí no hay degradación.", points(&checks[0])),
                None => format!("Entre las dos redes planas la diferencia cabe en el ruido ({} puntos).", points(&checks[0])),
            };
            let residual = match checks[1].holds {
                Some(true) => "Con atajos, la de 56 capas acaba mejor que la de 20: la profundidad ayuda.".to_string(),
                Some(false) => format!("Con atajos, la de 56 capas acaba peor que la de 20, más allá del ruido ({} puntos).", points(&checks[1])),
                None => format!("Entre las dos ResNet la diferencia cabe en el ruido ({} puntos).", points(&checks[1])),
            };
            (
                format!(
                    "Error final de entrenamiento: Plain-20 {}, Plain-56 {}, ResNet20 v1 {}, ResNet56 v1 {}.",
                    errors_es(plain20), errors_es(plain56), errors_es(resnet20), errors_es(resnet56)
                ),
                format!("{plain} {residual}"),
            )
        }
        Numbers::Augmentation { with, without } => (
            format!(
                "Error final de entrenamiento: con aumentación {}, sin ella {}; distancia de prueba a entrenamiento {:.1} frente a {:.1} puntos.",
                errors_es(with), errors_es(without), 100.0 * (with.test - with.train), 100.0 * (without.test - without.train)
            ),
            single_es(&checks[0]),
        ),
        Numbers::Versions { v1, v2 } => (
            format!("Error final de entrenamiento: ResNet20 v1 {}, ResNet29 v2 {}.", errors_es(v1), errors_es(v2)),
            single_es(&checks[0]),
        ),
    };
    let end = match f.verdict() {
        Verdict::Shown => " Esta ejecución lo muestra.",
        Verdict::NotShown => " Esta ejecución no lo muestra.",
        Verdict::Unclear => " Con un presupuesto corto las curvas pueden no haberse separado todavía: prueba con más tiempo.",
        Verdict::Guessing => {
            let nets: Vec<&str> = f.guessing().into_iter().map(|n| net(n, ["con aumentación", "sin aumentación"])).collect();
            let (who, does) = if nets.len() == 1 { ("la red", "acierta") } else { ("las redes", "aciertan") };
            return format!(
                "{numbers} Pero {who} {} no {does} más que adivinando (un 90 % de error, dentro del ruido): así esta ejecución no puede mostrar nada. Prueba con más tiempo o más imágenes.",
                nets.join(" y ")
            );
        }
    };
    format!("{numbers} {clauses}{end}")
}

/// A network by its model's name; the augmentation experiment's by `[with, without]`.
fn net(net: Net, augmentation: [&'static str; 2]) -> &'static str {
    match net {
        Net::Plain20 => "Plain-20",
        Net::Plain56 => "Plain-56",
        Net::ResNet20 | Net::V1 => "ResNet20 v1",
        Net::ResNet56 => "ResNet56 v1",
        Net::V2 => "ResNet29 v2",
        Net::With => augmentation[0],
        Net::Without => augmentation[1],
    }
}

fn single_es(c: &Check) -> String {
    match c.holds {
        Some(true) => format!("La diferencia va en el sentido esperado, más allá del ruido ({} puntos).", points(c)),
        Some(false) => format!("La diferencia va en el sentido contrario, más allá del ruido ({} puntos).", points(c)),
        None => format!("La diferencia cabe en el ruido ({} puntos).", points(c)),
    }
}

fn finding_en(f: &Finding) -> String {
    let checks = f.checks();
    let (numbers, clauses) = match f.numbers {
        Numbers::Degradation { plain20, plain56, resnet20, resnet56 } => {
            let plain = match checks[0].holds {
                Some(true) => format!("Without shortcuts, the 56-layer net ends worse than the 20-layer one, beyond the noise ({} points): degradation shows.", points(&checks[0])),
                Some(false) => format!("Without shortcuts, the 56-layer net ends better than the 20-layer one, beyond the noise ({} points): no degradation here.", points(&checks[0])),
                None => format!("Between the two plain nets the difference is within the noise ({} points).", points(&checks[0])),
            };
            let residual = match checks[1].holds {
                Some(true) => "With shortcuts, the 56-layer net ends better than the 20-layer one: depth helps.".to_string(),
                Some(false) => format!("With shortcuts, the 56-layer net ends worse than the 20-layer one, beyond the noise ({} points).", points(&checks[1])),
                None => format!("Between the two ResNets the difference is within the noise ({} points).", points(&checks[1])),
            };
            (
                format!(
                    "Final training error: Plain-20 {}, Plain-56 {}, ResNet20 v1 {}, ResNet56 v1 {}.",
                    errors_en(plain20), errors_en(plain56), errors_en(resnet20), errors_en(resnet56)
                ),
                format!("{plain} {residual}"),
            )
        }
        Numbers::Augmentation { with, without } => (
            format!(
                "Final training error: with augmentation {}, without {}; test-to-training gap {:.1} versus {:.1} points.",
                errors_en(with), errors_en(without), 100.0 * (with.test - with.train), 100.0 * (without.test - without.train)
            ),
            single_en(&checks[0]),
        ),
        Numbers::Versions { v1, v2 } => (
            format!("Final training error: ResNet20 v1 {}, ResNet29 v2 {}.", errors_en(v1), errors_en(v2)),
            single_en(&checks[0]),
        ),
    };
    let end = match f.verdict() {
        Verdict::Shown => " This run shows it.",
        Verdict::NotShown => " This run does not show it.",
        Verdict::Unclear => " On a short budget the curves may not have parted yet: try a longer one.",
        Verdict::Guessing => {
            let nets: Vec<&str> = f.guessing().into_iter().map(|n| net(n, ["the network with augmentation", "the network without augmentation"])).collect();
            let does = if nets.len() == 1 { "does" } else { "do" };
            return format!(
                "{numbers} But {} {does} no better than guessing (a 90 % error, within the noise), so this run cannot show anything. Try a longer budget or more images.",
                nets.join(" and ")
            );
        }
    };
    format!("{numbers} {clauses}{end}")
}

fn single_en(c: &Check) -> String {
    match c.holds {
        Some(true) => format!("The difference goes the expected way, beyond the noise ({} points).", points(c)),
        Some(false) => format!("The difference goes the other way, beyond the noise ({} points).", points(c)),
        None => format!("The difference is within the noise ({} points).", points(c)),
    }
}

pub static LAB_ES: LabTexts = LabTexts {
    name: |e| match e {
        Experiment::Degradation => "Degradación",
        Experiment::Augmentation => "Aumentación sí/no",
        Experiment::Versions => "v1 frente a v2",
    },
    look_for: |e| match e {
        Experiment::Degradation => {
            "Qué buscar: las líneas discontinuas son el error de entrenamiento. Según He et al., la red \
             plana de 56 capas acaba por encima de la de 20 (la degradación), mientras que ResNet-56 \
             acaba por debajo de ResNet-20."
        }
        Experiment::Augmentation => {
            "Qué buscar: sin aumentación el error de entrenamiento baja más deprisa, pero el de prueba \
             se queda más lejos de él: la red memoriza las imágenes en vez de generalizar."
        }
        Experiment::Versions => {
            "Qué buscar: la v2 (preactivación, bloques cuello de botella, 29 capas) cuesta más por \
             imagen; ¿compensa con un error de prueba menor en el mismo número de épocas?"
        }
    },
    finding: finding_es,
    plan: |p| {
        let what = match p.name {
            Some(name) => format!("Experimento «{name}»: {} una tras otra, con", p.models),
            None => format!("{} con", p.models),
        };
        let fits = if p.fits { String::new() } else { format!(" No cabe en {}: es lo mínimo que tiene sentido.", duration(p.budget_seconds)) };
        format!(
            "{what} {} épocas sobre {} imágenes de entrenamiento y {} de prueba. Tiempo estimado en \
             este dispositivo: ≈ {} (presupuesto: {}).{fits}",
            p.epochs, p.train_images, p.test_images, duration(p.expected_seconds), duration(p.budget_seconds)
        )
    },
    measuring: "Midiendo la velocidad de este dispositivo con unos pasos de entrenamiento…",
    measured: |ips, model| format!("Velocidad medida: {ips:.1} imágenes/s entrenando {model}."),
    eta: |s| format!("Duración estimada con estos ajustes: ≈ {}.", duration(s)),
    progress: |name, i, n, model| format!("Experimento «{name}»: red {i} de {n}, {model}."),
    left: |s| format!("Quedan ≈ {} para terminarlo.", duration(s)),
    done: |name| format!("Experimento «{name}» terminado."),
    saved: |name, done, n| format!("Hay un experimento «{name}» a medias: {done} de {n} redes terminadas."),
    runs_empty: "Aún no hay ejecuciones terminadas: cada una que termine (o que detengas tras una época) se guarda aquí.",
    runs_head: ["Modelo", "Ajustes", "Fecha", "Mejor exactitud", ""],
    settings: |done, epochs, batch, train, test, lr, augment| {
        let augment = if augment { " · con aumentación" } else { "" };
        format!("{done}/{epochs} épocas · lote {batch} · {train} imágenes · prueba: {test} · tasa {lr}{augment}")
    },
    of_experiment: |name| format!("experimento «{name}»"),
    stopped: "detenida",
    delete: "Borrar",
    run_button: |what, run, date| format!("{what}: {run}, {date}"),
    confirm_delete: |run, date| format!("¿Borrar la ejecución {run} del {date}? No se puede deshacer."),
    confirm_replace: |name, done, n| {
        format!("El experimento «{name}» está a medias ({done} de {n} redes terminadas). Si empiezas otro, ya no podrás continuarlo (sus redes terminadas se quedan en la lista). ¿Empezar el nuevo?")
    },
    no_augment: "sin aumentación",
    no_augment_file: "sin-aumentacion",
    train_error: "entrenamiento",
    test_error: "prueba",
    axis_error: "error (%)",
    overlay_title: "Error por época",
    pick_runs: "Marca ejecuciones en la lista para superponer sus curvas.",
    preset_ready: |name, s| format!("Los controles ya tienen «{name}»: ≈ {} en este dispositivo. Pulsa «Entrenar».", duration(s)),
    quick: "Prueba rápida",
    paper: "Receta completa",
    busy: "Espera a que termine (o detén) el entrenamiento en curso.",
    all_images: "todas",
    feature_maps_test: |i, class, epoch| format!("(imagen de prueba n.º {i}, {class}; modelo de la época {epoch})"),
    feature_maps_own: |source| format!("(tu imagen; {source})"),
};

pub static LAB_EN: LabTexts = LabTexts {
    name: |e| match e {
        Experiment::Degradation => "Degradation",
        Experiment::Augmentation => "Augmentation on/off",
        Experiment::Versions => "v1 versus v2",
    },
    look_for: |e| match e {
        Experiment::Degradation => {
            "What to look for: dashed lines are training error. He et al. found the 56-layer plain \
             net ending above the 20-layer one (degradation), while ResNet-56 ends below ResNet-20."
        }
        Experiment::Augmentation => {
            "What to look for: without augmentation training error falls faster, but test error stays \
             further from it: the network memorises the images instead of generalising."
        }
        Experiment::Versions => {
            "What to look for: v2 (pre-activation, bottleneck blocks, 29 layers) costs more per image; \
             does it pay back with a lower test error in the same number of epochs?"
        }
    },
    finding: finding_en,
    plan: |p| {
        let what = match p.name {
            Some(name) => format!("Experiment “{name}”: {} one after another, with", p.models),
            None => format!("{} with", p.models),
        };
        let fits = if p.fits { String::new() } else { format!(" It does not fit in {}: this is the least that makes sense.", duration(p.budget_seconds)) };
        format!(
            "{what} {} epochs over {} training and {} test images. Expected time on this device: ≈ {} \
             (budget: {}).{fits}",
            p.epochs, p.train_images, p.test_images, duration(p.expected_seconds), duration(p.budget_seconds)
        )
    },
    measuring: "Measuring this device's speed with a few training steps…",
    measured: |ips, model| format!("Measured speed: {ips:.1} images/s training {model}."),
    eta: |s| format!("Expected duration with these settings: ≈ {}.", duration(s)),
    progress: |name, i, n, model| format!("Experiment “{name}”: network {i} of {n}, {model}."),
    left: |s| format!("About {} left to finish it.", duration(s)),
    done: |name| format!("Experiment “{name}” finished."),
    saved: |name, done, n| format!("An experiment “{name}” is unfinished: {done} of {n} networks finished."),
    runs_empty: "No finished runs yet: each one that finishes (or that you stop after an epoch) is kept here.",
    runs_head: ["Model", "Settings", "Date", "Best accuracy", ""],
    settings: |done, epochs, batch, train, test, lr, augment| {
        let augment = if augment { " · augmented" } else { "" };
        format!("{done}/{epochs} epochs · batch {batch} · {train} images · test: {test} · rate {lr}{augment}")
    },
    of_experiment: |name| format!("experiment “{name}”"),
    stopped: "stopped",
    delete: "Delete",
    run_button: |what, run, date| format!("{what}: {run}, {date}"),
    confirm_delete: |run, date| format!("Delete the run {run} of {date}? This cannot be undone."),
    confirm_replace: |name, done, n| {
        format!("The experiment “{name}” is unfinished ({done} of {n} networks finished). If you start another, it can no longer be continued (its finished networks stay in the list). Start the new one?")
    },
    no_augment: "no augmentation",
    no_augment_file: "no-augmentation",
    train_error: "training",
    test_error: "test",
    axis_error: "error (%)",
    overlay_title: "Error per epoch",
    pick_runs: "Tick runs in the list to overlay their curves.",
    preset_ready: |name, s| format!("The controls now hold “{name}”: ≈ {} on this device. Press “Train”.", duration(s)),
    quick: "Quick run",
    paper: "The full recipe",
    busy: "Wait for the current training to finish (or stop it).",
    all_images: "all",
    feature_maps_test: |i, class, epoch| format!("(test image no. {i}, {class}; model of epoch {epoch})"),
    feature_maps_own: |source| format!("(your image; {source})"),
};
