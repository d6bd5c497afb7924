//! The error mapping: every failure crosses into JavaScript as one `Error` with a stable `code`.
//!
//! A JavaScript caller gets an `Error` whose `name` is `HmsError`, whose `code` is the same snake_case
//! code the Rust, Python and Node APIs give (`hms_core::all_error_codes()`), whose `message` is the
//! library's one-line message, and, for `invalid_input`, whose `fields` list every bad field as
//! `{ field, code, message }` with the field path in the binding's camelCase
//! (`template.weeklyHours[1]`); for `invalid_policy`, whose `problems` list every problem of the policy
//! document as `{ path, code, message }`.

use hms_core::access::AccessError;
use hms_core::error::{FieldCode, ValidationError};
use hms_core::Error;
use wasm_bindgen::JsValue;

/// The `name` every error thrown by this module carries.
pub const ERROR_NAME: &str = "HmsError";

/// An input that does not have the expected shape (a missing key, a number where a date belongs): an
/// `invalid_input` error naming the argument, with the decoder's own explanation.
pub(crate) fn bad_shape(argument: &str, problem: impl std::fmt::Display) -> Error {
    ValidationError::single(
        argument,
        FieldCode::InvalidFormat,
        format!("`{argument}` is not in the expected shape: {problem}"),
    )
    .into()
}

/// Field paths of the core (`weekly_hours[0].buffer_minutes`) in the binding's camelCase
/// (`weeklyHours[0].bufferMinutes`). Paths hold field names and indices; a map key, which is the
/// caller's own text, is quoted (`copays["new_patient"]`) and left as it is.
pub(crate) fn camel_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut upper = false;
    let mut quoted = false;
    for c in path.chars() {
        if c == '"' {
            quoted = !quoted;
            out.push(c);
        } else if quoted {
            out.push(c);
        } else if c == '_' {
            upper = true;
        } else if upper {
            // Paths are ASCII identifiers; the Unicode tables of `to_uppercase` would cost the module
            // kilobytes for nothing.
            out.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The error as a JavaScript `Error` with `name`, `code`, `message` and, for invalid input, `fields`.
pub(crate) fn to_js_error(e: &Error) -> JsValue {
    let err = js_sys::Error::new(&e.to_string());
    err.set_name(ERROR_NAME);
    let obj: &JsValue = err.as_ref();
    // Setting a property on a fresh Error object cannot fail; were it ever to, the error still
    // carries its message and name, so the result is ignored rather than turned into a second error.
    let _ = js_sys::Reflect::set(obj, &JsValue::from_str("code"), &JsValue::from_str(e.code()));
    if let Error::Validation(v) = e {
        let fields = js_sys::Array::new();
        for p in v.problems() {
            let f = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&f, &"field".into(), &camel_path(&p.field).into());
            let _ = js_sys::Reflect::set(&f, &"code".into(), &p.code.code().into());
            let _ = js_sys::Reflect::set(&f, &"message".into(), &p.message.as_str().into());
            fields.push(&f);
        }
        let _ = js_sys::Reflect::set(obj, &"fields".into(), &fields);
    }
    if let Error::Access(AccessError::InvalidPolicy { problems }) = e {
        let list = js_sys::Array::new();
        for p in problems {
            let f = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&f, &"path".into(), &p.path.as_str().into());
            let _ = js_sys::Reflect::set(&f, &"code".into(), &p.code.code().into());
            let _ = js_sys::Reflect::set(&f, &"message".into(), &p.message.as_str().into());
            list.push(&f);
        }
        let _ = js_sys::Reflect::set(obj, &"problems".into(), &list);
    }
    err.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn core_paths_become_camel_case() {
        assert_eq!(camel_path("template.weekly_hours[0]"), "template.weeklyHours[0]");
        assert_eq!(
            camel_path("template.visit_types[2].buffer_minutes"),
            "template.visitTypes[2].bufferMinutes"
        );
        assert_eq!(camel_path("exceptions[1].until"), "exceptions[1].until");
        assert_eq!(
            camel_path("coverage.plan.copays[\"new_patient\"]"),
            "coverage.plan.copays[\"new_patient\"]"
        );
    }

    #[test]
    fn a_bad_shape_is_invalid_input_naming_the_argument() {
        let e = bad_shape("input", "missing field `template`");
        assert_eq!(e.code(), "invalid_input");
        let Error::Validation(v) = &e else {
            panic!("expected a validation error, got {e:?}")
        };
        assert_eq!(v.problems()[0].field, "input");
        assert_eq!(v.problems()[0].code, FieldCode::InvalidFormat);
    }
}
