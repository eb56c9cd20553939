//! `shiftscope profile`: what a weight file's weights expect and mean (its
//! [`Profile`]), or a copy of a burnpack file with another profile.

use std::path::Path;
use std::process::ExitCode;

use shiftscope::weights::{restamp, Profile, Spec};
use shiftscope::{Device, Error};

/// Prints the profile of `weights` as JSON; with `set` = `(profile JSON,
/// output)`, writes `weights` with that profile to the output instead, and
/// checks that it loads with it.
pub fn run(requested: Option<&Spec>, weights: &Path, set: Option<(&Path, &Path)>) -> Result<ExitCode, Error> {
    let device = Device::flex();
    let Some((profile_path, output)) = set else {
        let engine = super::load_engine(weights, requested, &device)?;
        println!("{}", serde_json::to_string_pretty(engine.profile()).expect("profiles serialise"));
        return Ok(ExitCode::SUCCESS);
    };
    let text = std::fs::read_to_string(profile_path).map_err(Error::io(profile_path))?;
    let profile: Profile = serde_json::from_str(&text)
        .map_err(|e| Error::InvalidConfig(format!("{}: not a profile: {e}", profile_path.display())))?;
    let bytes = std::fs::read(weights).map_err(Error::io(weights))?;
    let stamped = restamp(bytes, &profile)?;
    let label = output.display().to_string();
    let engine = super::engine_of(stamped.clone(), &label, None, &device)?;
    if engine.profile() != &profile {
        return Err(Error::InvalidConfig(format!("{label}: the written profile does not read back")));
    }
    std::fs::write(output, &stamped).map_err(Error::io(output))?;
    eprintln!("{label}: {} bytes, {} classes of {}", stamped.len(), profile.classes.len(), profile.dataset);
    Ok(ExitCode::SUCCESS)
}
