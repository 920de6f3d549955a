//! Integration tests: the real routers over HTTP, on SQLite by default and on PostgreSQL
//! when `ZHICHENG_TEST_DATABASE_URL` names a server.

mod fixtures;
mod helpers;

mod application;
mod audit;
mod back_office;
mod backup;
mod demo;
mod dictionaries;
mod fuzz;
mod headers;
mod layout;
mod limits;
mod login;
mod operations;
mod oversight;
mod password;
mod privacy;
mod registration;
mod rest;
mod rest_back;
mod review_chain;
mod s3;
mod security;
mod sessions;
mod ukey;
mod unit_search;
