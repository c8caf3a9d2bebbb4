//! Forms that ship with the service, taken by name: an assistant written with `"form": "tenant_screening"`
//! gets the whole definition, which it keeps (a later change to a preset does not reach it).

use super::Form;

/// A form with a name.
#[derive(Debug, Clone, Copy)]
pub struct Preset {
    pub name: &'static str,
    pub description: &'static str,
    make: fn() -> Form,
}

impl Preset {
    pub fn form(&self) -> Form {
        (self.make)()
    }
}

/// Every preset, by name.
pub const PRESETS: [Preset; 2] = [
    Preset {
        name: "tenant_screening",
        description: "A rental applicant's first and last name, phone number, current address and annual income, \
                      each read back for a yes.",
        make: Form::tenant_screening,
    },
    Preset {
        name: "appointment_booking",
        description: "The name, email and phone number of someone booking an appointment, each read back for a \
                      yes; an assistant that books then offers days and times.",
        make: Form::appointment_booking,
    },
];

/// The preset called `name`.
pub fn find(name: &str) -> Option<Preset> {
    PRESETS.into_iter().find(|preset| preset.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_is_a_valid_form_under_a_unique_name() {
        for (index, preset) in PRESETS.iter().enumerate() {
            preset.form().validate().unwrap_or_else(|e| panic!("{}: {e}", preset.name));
            assert!(PRESETS[..index].iter().all(|earlier| earlier.name != preset.name), "{}", preset.name);
            assert_eq!(find(preset.name).map(|p| p.form()), Some(preset.form()));
        }
        assert!(find("nonexistent").is_none());
    }
}
