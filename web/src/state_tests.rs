//! The page's reducer: late answers dropped by number, an early image kept,
//! failures named, webcam frames after a stop ignored.

use shiftscope::engine::catalogue;
use shiftscope::engine::protocol::{Failure, FailureKind, ModelAnswer};

use super::*;

fn run(state: Rc<State>, actions: Vec<Action>) -> Rc<State> {
    actions.into_iter().fold(state, |state, action| state.reduce(action))
}

fn load(number: u64, name: &str) -> Action {
    Action::Load(Box::new(ModelSlot { number, name: name.into(), card: None, config: None, load_ms: None }))
}

fn ready(model: u64, name: &str) -> Action {
    let config = Box::new(catalogue::config("mixer_compact").unwrap());
    Action::Reply { reply: Reply::Ready { model, name: name.into(), config, note: None, load_ms: 1.0 }, at_ms: 0.0 }
}

fn sent(image: u64, source: &str, at_ms: f64) -> Action {
    let sent = Sent { source: source.into(), preview: Some(format!("blob:{image}")), note: None, live: false, at_ms };
    Action::Sent { image, sent }
}

fn frame(image: u64) -> Action {
    Action::Sent { image, sent: Sent { source: "webcam".into(), preview: None, note: None, live: true, at_ms: 0.0 } }
}

fn classified(model: u64, image: u64, class: usize, at_ms: f64) -> Action {
    let prediction = Prediction { class, label: format!("class {class}"), probability: 0.9 };
    let analysis = shiftscope::engine::Analysis {
        side: 1,
        rgb: vec![1, 2, 3],
        crop: shiftscope::preprocess::CropBox::whole(1),
        probabilities: vec![0.9, 0.1],
        predictions: vec![prediction],
        attention: vec![],
        activations: vec![],
        shifts: vec![],
    };
    Action::Reply { reply: Reply::Classified { model, image, analysis: Box::new(analysis) }, at_ms }
}

fn with_model() -> Rc<State> {
    run(Rc::new(State::default()), vec![load(1, "mixer"), ready(1, "mixer")])
}

#[test]
fn a_late_answer_for_an_older_image_or_model_is_dropped() {
    let state = run(with_model(), vec![sent(2, "a.png", 10.0), sent(3, "b.png", 11.0), classified(1, 3, 7, 31.0)]);
    assert_eq!((state.updates, state.outcome.source.as_str()), (1, "b.png"));
    assert_eq!(state.latency.median(), Some(20.0), "latency runs from sending to the answer");
    let state = run(state, vec![classified(1, 2, 4, 40.0)]);
    assert_eq!((state.updates, state.outcome.predictions[0].class), (1, 7), "image 2 is older than the one shown");
    let state =
        run(state, vec![load(4, "other"), ready(4, "other"), sent(5, "c.png", 50.0), classified(1, 5, 1, 60.0)]);
    assert_eq!(state.updates, 1, "an answer from the replaced model is not shown");
    let state = run(state, vec![sent(6, "d.png", 70.0), classified(4, 6, 2, 75.0)]);
    assert_eq!((state.updates, state.outcome.model.as_str()), (2, "other"));
    assert_eq!(state.outcome.analysis.as_ref().unwrap().rgba, vec![1, 2, 3, 255]);
}

#[test]
fn an_image_given_before_the_model_is_ready_waits_for_it() {
    let state = run(Rc::new(State::default()), vec![load(1, "mixer"), sent(2, "cat.png", 5.0)]);
    assert_eq!(state.waiting(), Some("cat.png"));
    let state = run(state, vec![sent(3, "dog.png", 6.0)]);
    assert_eq!(state.waiting(), Some("dog.png"), "the latest image is the one that waits");
    let state = run(state, vec![ready(1, "mixer")]);
    assert_eq!(state.waiting(), None);
    let state = run(state, vec![classified(1, 3, 5, 100.0)]);
    assert_eq!((state.updates, state.outcome.source.as_str()), (1, "dog.png"));
    assert_eq!(state.outcome.preview.as_deref(), Some("blob:3"));
    assert!(state.sent.is_empty(), "the older image is moot once a newer one is answered");
}

#[test]
fn a_failed_load_keeps_the_model_in_use_and_says_which_failed() {
    let failure = Failure::new(FailureKind::Weights, "not a safetensors, burnpack or PyTorch file");
    let failed = Action::Reply { reply: Reply::LoadFailed { model: 2, failure }, at_ms: 0.0 };
    let state = run(with_model(), vec![load(2, "mine.bpk"), failed]);
    assert_eq!(state.phase, Phase::Ready);
    assert_eq!(state.active.as_ref().map(|a| a.name.as_str()), Some("mixer"));
    let Some(Message::Error(text)) = &state.message else { panic!("{:?}", state.message) };
    assert!(text.starts_with("mine.bpk: not a safetensors"), "{text}");
    let state = run(state, vec![sent(3, "x.png", 0.0), classified(1, 3, 0, 1.0)]);
    assert_eq!(state.updates, 1, "the model in use still answers");
}

#[test]
fn a_checkpoints_skipped_entries_stay_in_view_once_its_model_is_ready() {
    let config = Box::new(catalogue::config("mixer_compact").unwrap());
    let note = Some("mine.pth: skipped entries that hold no weights of the model: epoch (int 300)".to_string());
    let noted = |model| Action::Reply {
        reply: Reply::Ready {
            model,
            name: "mine.pth".into(),
            config: config.clone(),
            note: note.clone(),
            load_ms: 7.5,
        },
        at_ms: 0.0,
    };
    let state = run(with_model(), vec![load(2, "older.pth"), load(3, "mine.pth"), noted(2)]);
    assert_eq!(state.message, None, "a late answer for a model no longer asked for says nothing");
    let state = run(state, vec![noted(3), sent(4, "a.png", 0.0), classified(3, 4, 0, 1.0)]);
    assert_eq!(state.updates, 1);
    assert_eq!(state.message, note.clone().map(Message::Notice), "the note outlives the next result");
    assert_eq!(state.active.as_ref().and_then(|a| a.load_ms), Some(7.5));
}

#[test]
fn webcam_frames_answered_after_the_webcam_stopped_are_not_shown() {
    let state = run(with_model(), vec![Action::Webcam(true), frame(2), classified(1, 2, 3, 1.0), frame(3)]);
    assert_eq!(state.updates, 1);
    let state = run(state, vec![Action::Webcam(false), classified(1, 3, 3, 2.0)]);
    assert_eq!(state.updates, 1);
}

#[test]
fn failures_name_their_image_and_fields_belong_to_the_shown_image() {
    let failure = Failure::new(FailureKind::Image, "the image is empty (0×0)");
    let failed = Action::Reply { reply: Reply::Failed { image: 3, failure }, at_ms: 0.0 };
    let state =
        run(with_model(), vec![sent(2, "a.png", 0.0), classified(1, 2, 0, 1.0), sent(3, "empty.png", 2.0), failed]);
    assert_eq!(state.message, Some(Message::Error("empty.png: the image is empty (0×0)".into())));
    assert_eq!(state.outcome.source, "a.png", "the shown result stays");
    let map = PixelMap { side: 1, values: vec![1.0] };
    let measured = |image| Action::Reply {
        reply: Reply::Measured { model: 1, image, depth: 1, token: (0, 0), map: map.clone(), ms: 3.0 },
        at_ms: 0.0,
    };
    let state = run(state, vec![Action::Measuring { depth: 1, token: (0, 0) }, measured(9)]);
    assert!(matches!(state.field, Field::Measuring { .. }), "a field for another image is dropped");
    let state = run(state, vec![measured(2)]);
    assert!(matches!(&state.field, Field::Measured(m) if m.analysis == 2));
    let backend = Backend::Cpu("lost".into());
    let state = run(state, vec![Action::Reply { reply: Reply::Backend { backend: backend.clone() }, at_ms: 0.0 }]);
    assert_eq!(state.backend, Some(backend));
}

#[test]
fn every_preview_let_go_of_is_released_once() {
    // Image 2 is superseded by 3's answer; 3 replaces nothing yet.
    let state = run(with_model(), vec![sent(2, "a.png", 0.0), sent(3, "b.png", 0.0), classified(1, 3, 7, 1.0)]);
    assert_eq!(state.released, ["blob:2"]);
    assert_eq!(state.outcome.preview.as_deref(), Some("blob:3"));
    // A newer image replaces the shown preview; a webcam frame keeps it.
    let state = run(state, vec![sent(4, "c.png", 2.0), classified(1, 4, 1, 3.0)]);
    assert_eq!(state.released, ["blob:3"]);
    let state = run(state, vec![frame(5), classified(1, 5, 1, 4.0)]);
    assert!(state.released.is_empty());
    assert_eq!(state.outcome.preview.as_deref(), Some("blob:4"));
    // A failed image, and one answered after a newer one was shown.
    let failure = Failure::new(FailureKind::Run, "no");
    let failed = Action::Reply { reply: Reply::Failed { image: 6, failure }, at_ms: 0.0 };
    let state = run(state, vec![sent(6, "d.png", 5.0), failed]);
    assert_eq!(state.released, ["blob:6"]);
    let state = run(state, vec![sent(7, "e.png", 6.0), sent(8, "f.png", 6.0), classified(1, 8, 2, 7.0)]);
    assert_eq!(state.released, ["blob:7", "blob:4"], "7 superseded, 4 replaced");
    let state = run(state, vec![Action::Note("unrelated".into())]);
    assert!(state.released.is_empty(), "each action lists only what it let go of");
}

#[test]
fn a_result_clears_errors_but_not_notices_about_the_page() {
    let notice = Action::Note("the model runs in the page".into());
    let state = run(with_model(), vec![notice, sent(2, "a.png", 0.0), classified(1, 2, 0, 1.0)]);
    assert_eq!(state.message, Some(Message::Notice("the model runs in the page".into())));
    let state = run(state, vec![Action::Error("b.png: not an image".into()), sent(3, "c.png", 2.0)]);
    let state = run(state, vec![classified(1, 3, 0, 3.0)]);
    assert_eq!(state.message, None, "an error about an earlier image goes with the next result");
}

fn compared(image: u64, name: &str) -> Action {
    let prediction = Prediction { class: 3, label: "cat".into(), probability: 0.6 };
    let activation =
        shiftscope::viz::ClassActivation { class: 3, rows: 1, cols: 1, contributions: vec![0.5], bias: 0.1 };
    let answer = ModelAnswer { name: name.into(), predictions: vec![prediction], ms: 12.0, activation };
    Action::Reply { reply: Reply::Compared { image, answers: vec![answer] }, at_ms: 0.0 }
}

#[test]
fn a_view_keeps_the_answer_for_the_image_it_asked_about() {
    let asked = |view, image| Action::Asked { view, image };
    let state = run(Rc::new(State::default()), vec![asked(View::Compare, 4), compared(4, "mixer_compact")]);
    let answer = state.views.compared.for_image(4).expect("answered");
    assert_eq!(answer[0].name, "mixer_compact");
    assert!(state.views.compared.for_image(5).is_none(), "an answer belongs to its image");
    // A late answer about an older image, once a newer one was asked about, is dropped.
    let state = run(state, vec![asked(View::Compare, 6), compared(4, "late")]);
    assert!(state.views.compared.asked(6));
    assert!(state.views.compared.for_image(4).is_none());
}

#[test]
fn a_failed_view_says_why_and_can_be_asked_again() {
    let failure = Failure::new(FailureKind::Run, "a newer image was classified since");
    let failed = Action::Reply { reply: Reply::ViewFailed { image: 2, view: View::Regions, failure }, at_ms: 0.0 };
    let state = run(Rc::new(State::default()), vec![Action::Asked { view: View::Regions, image: 2 }, failed]);
    assert!(!state.views.regions.asked(2));
    match &state.message {
        Some(Message::Error(text)) => assert!(text.starts_with("regions: a newer image"), "{text}"),
        other => panic!("expected an error, got {other:?}"),
    }
}

#[test]
fn the_image_sent_shows_at_once_and_is_classifying_until_answered() {
    let state = run(Rc::new(State::default()), vec![sent(1, "example: cat", 0.0)]);
    assert_eq!(state.preview(), Some(("example: cat", "blob:1")), "before any model is ready");
    assert_eq!(state.classifying(), Some("example: cat"));
    let state = run(state, vec![load(2, "mixer"), ready(2, "mixer"), sent(3, "b.png", 1.0), frame(4)]);
    assert_eq!(state.preview(), Some(("b.png", "blob:3")), "the newest image, not a webcam frame");
    let state = run(state, vec![classified(2, 3, 7, 2.0)]);
    assert_eq!(state.classifying(), None, "1 and 3 answered or superseded; a frame is no visitor's wait");
    assert_eq!(state.preview(), Some(("b.png", "blob:3")));
}

#[test]
fn a_new_model_asks_for_the_shown_photo_again_and_names_itself() {
    let state = run(with_model(), vec![sent(2, "a.png", 0.0), classified(1, 2, 7, 1.0)]);
    assert_eq!((state.reruns, state.outcome.model.as_str()), (0, "mixer"));
    let state = run(state, vec![load(3, "asmlp"), ready(3, "asmlp")]);
    assert_eq!(state.reruns, 1, "the new model re-runs the photo");
    let (source, url) = state.rerun().unwrap();
    assert_eq!((source.as_str(), url.as_str()), ("a.png", "blob:2"));
    // The page sends the same photo (same URL) again: nothing is revoked.
    let again = Sent { source, preview: Some(url), note: None, live: false, at_ms: 2.0 };
    let state = run(state, vec![Action::Sent { image: 4, sent: again }, classified(3, 4, 1, 3.0)]);
    assert!(state.released.is_empty(), "the photo is still shown: {:?}", state.released);
    assert_eq!((state.outcome.model.as_str(), state.outcome.predictions[0].class), ("asmlp", 1));
    assert_eq!(state.outcome.analysis.as_ref().map(|a| a.id), Some(4), "the panel follows the new answer");
    // The same model ready again, or a webcam running, sends nothing.
    let state = run(state, vec![Action::Webcam(true), load(5, "s2"), ready(5, "s2")]);
    assert_eq!(state.reruns, 1);
}

#[test]
fn an_error_while_the_webcam_runs_stays_until_the_visitor_acts() {
    let state = run(with_model(), vec![Action::Webcam(true), frame(2), classified(1, 2, 3, 5.0)]);
    let state = run(state, vec![Action::Error("the camera hiccuped".into()), frame(3), classified(1, 3, 4, 9.0)]);
    assert_eq!(state.updates, 2);
    assert_eq!(state.message, Some(Message::Error("the camera hiccuped".into())), "the next frame keeps it");
    let stopped = run(state.clone(), vec![Action::Webcam(false)]);
    assert_eq!(stopped.message, None, "stopping the webcam is the visitor acting");
    let chose = run(state, vec![sent(4, "a.png", 10.0)]);
    assert_eq!(chose.message, None, "so is choosing an image");
    // A frame's result never ends an error; a chosen image's does, as before.
    let state = run(with_model(), vec![Action::Error("bad file".into()), frame(2), classified(1, 2, 3, 5.0)]);
    assert_eq!(state.message, Some(Message::Error("bad file".into())));
    let state = run(with_model(), vec![sent(2, "a.png", 1.0), Action::Error("x".into()), classified(1, 2, 3, 5.0)]);
    assert_eq!(state.message, None, "a result for a chosen image ends the error");
}
