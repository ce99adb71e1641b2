//! The migrations are embedded by `sqlx::migrate!`; a new file must rebuild kit.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}
