//! `--query`: compile any text, then evaluate it against a small listing.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let listing = azacr::data::Data::from_json(br#"[{"name":"a","tags":["x",{"y":[1,2.5,null]}]},"b",3]"#).unwrap();
    if let Ok(query) = azacr::output::query::Query::compile(text) {
        let _ = query.search(&listing);
    }
});
