//! The ID photo page behind a texted link (`page`) and its form (`receive`). The links and the files
//! under UPLOAD_DIR are the engine's (`smsagent_engine::uploads`); operators read uploads through the API
//! (`api::uploads`).

mod page;
mod receive;

use actix_web::{HttpResponse, web};

pub fn configure(cfg: &mut web::ServiceConfig) {
    use crate::routes::resource;
    use actix_web::http::Method;
    cfg.service(resource(
        "/upload/{token}",
        vec![(Method::GET, web::to(receive::show)), (Method::POST, web::to(receive::receive))],
    ))
    .service(resource(
        "/assets/upload.css",
        vec![(Method::GET, web::to(|| asset("text/css; charset=utf-8", page::STYLESHEET)))],
    ))
    .service(resource(
        "/assets/upload.js",
        vec![(Method::GET, web::to(|| asset("text/javascript; charset=utf-8", page::SCRIPT)))],
    ));
}

async fn asset(content_type: &'static str, body: &'static str) -> HttpResponse {
    page::secured(HttpResponse::Ok()).content_type(content_type).body(body)
}
