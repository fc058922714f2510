//! The Spanish lesson renders: real MathML for every equation, tables, figures, references.
#![cfg(not(target_arch = "wasm32"))] // native only; tests/browser.rs runs in the browser

use resnet_webgpu::tutorial::{TUTORIAL_MD, latex_to_mathml, tutorial_html};

#[test]
fn equations_become_mathml_without_errors() {
    let html = tutorial_html();
    let dollars = TUTORIAL_MD.matches("$$").count() / 2;
    assert!(dollars >= 8, "display equations in the lesson: {dollars}");
    assert!(html.matches("<math").count() >= dollars + 10, "inline and display math rendered");
    assert!(html.contains("display=\"block\""));
    assert!(!html.contains("merror"), "a LaTeX error in the lesson");
    assert!(!html.contains('$'), "unrendered math left in the HTML");
    // Batch normalisation's equations are there as math, not text.
    assert!(latex_to_mathml(r"\sigma_{\mathcal{B}}^{2}", false).contains("<msubsup>"));
}

#[test]
fn the_lesson_covers_the_seed() {
    let html = tutorial_html();
    for needle in [
        "<table>", "ResNet-152", "AlexNet", "normalización por lotes", "bloque residual identidad",
        "bloque residual convolucional", "ResNet v2", "CIFAR-10", "id=\"model-summary\"",
        "id=\"class-grid\"", "figures/identity-block.svg", "figures/projection-block.svg",
        "figures/conv-block.svg", "He, X. Zhang", "Krizhevsky", "2016", "2009",
    ] {
        assert!(html.to_lowercase().contains(&needle.to_lowercase()), "missing {needle}");
    }
}
