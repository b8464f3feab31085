//! A registry's listing page and Link header: any bytes.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = azacr::registry::paging::decode_page::<azacr::data::Data>(data, "tags");
    let link: String = data.iter().map(|&b| char::from(b)).collect();
    let _ = azacr::registry::paging::link_params(&link);
});
