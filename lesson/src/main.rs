//! `render-lesson PAGE.html`: replaces the page's `<!--lesson-->` with the lesson (HTML + MathML),
//! in place. Run by trunk's post_build hook on the staged `index.html`; fails, and so fails the
//! build, when the page has no marker.

use std::process::ExitCode;

fn main() -> ExitCode {
    let Some(path) = std::env::args_os().nth(1) else {
        eprintln!("usage: render-lesson PAGE.html");
        return ExitCode::from(2);
    };
    let page = match std::fs::read_to_string(&path) {
        Ok(page) => page,
        Err(e) => {
            eprintln!("render-lesson: {}: {e}", path.to_string_lossy());
            return ExitCode::FAILURE;
        }
    };
    let lesson = resnet_lesson::tutorial_html();
    match resnet_lesson::insert_lesson(&page, &lesson) {
        Ok(out) => match std::fs::write(&path, out) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("render-lesson: writing {}: {e}", path.to_string_lossy());
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("render-lesson: {}: {e}", path.to_string_lossy());
            ExitCode::FAILURE
        }
    }
}
