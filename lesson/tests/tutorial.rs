//! The Spanish lesson renders: real MathML for every equation, tables, figures, references; and
//! it goes where the page expects it.

use resnet_lesson::{InsertError, MARKER, TUTORIAL_MD, insert_lesson, latex_to_mathml, tutorial_html};

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

#[test]
fn the_page_has_one_marker_inside_the_lesson_article() {
    let page = include_str!("../../index.html");
    assert_eq!(page.matches(MARKER).count(), 1, "{MARKER} in index.html");
    let article = page.find("<article id=\"tutorial\"").expect("<article id=\"tutorial\"> in index.html");
    let marker = page.find(MARKER).unwrap();
    let end = article + page[article..].find("</article>").expect("</article>");
    assert!(article < marker && marker < end, "{MARKER} is not inside <article id=\"tutorial\">");
}

#[test]
fn the_lesson_replaces_the_marker_once_and_only_there() {
    let page = format!("<main><article id=\"tutorial\">{MARKER}</article><aside>lab</aside></main>");
    let out = insert_lesson(&page, &tutorial_html()).unwrap();
    assert!(!out.contains(MARKER));
    assert!(out.starts_with("<main><article id=\"tutorial\"><h"), "{}", &out[..60]);
    assert!(out.ends_with("</article><aside>lab</aside></main>"));
    assert!(out.matches("<math").count() > 10);
    // A page already rendered (or without the marker) is an error, not a silent no-op.
    assert_eq!(insert_lesson(&out, "x"), Err(InsertError::NoMarker));
    assert_eq!(insert_lesson(&format!("{MARKER}{MARKER}"), "x"), Err(InsertError::ManyMarkers(2)));
}
