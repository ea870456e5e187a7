//! A component of another world. It carries the `lianban-rules-api` section so that only the
//! world type check can refuse it.
#![cfg(target_arch = "wasm32")]
#![allow(unsafe_code)]

wit_bindgen::generate!({ path: "wit", world: "other" });

struct Other;

impl Guest for Other {
    fn manifest() -> String {
        "not a manifest".into()
    }

    fn greet(name: String) -> String {
        format!("你好，{name}")
    }
}

export!(Other);

#[unsafe(link_section = "lianban-rules-api")]
#[used]
static API: [u8; 5] = *b"0.1.0";
