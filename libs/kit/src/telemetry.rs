//! JSON log lines carrying `service`, `instance_id`, the fields of the enclosing spans
//! (`request_id`, `tenant_id`, `route`) and the OpenTelemetry `trace_id`, plus OTLP/HTTP export
//! when `OTEL_EXPORTER_OTLP_ENDPOINT` is set.
//!
//! Every span gets OpenTelemetry ids whether or not it is exported, so log lines of one request
//! share a trace id in every service it touches: an incoming W3C `traceparent` becomes the
//! parent of the request span ([`remote_parent`]), and the service client sends the `traceparent`
//! of its own span ([`inject_context`]).

use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use axum::http::{HeaderMap, HeaderName, HeaderValue};
use opentelemetry::propagation::{Extractor, Injector, TextMapPropagator as _};
use opentelemetry::trace::{TraceContextExt as _, TracerProvider as _};
use opentelemetry_otlp::WithExportConfig as _;
use opentelemetry_otlp::WithHttpConfig as _;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use serde_json::{Map, Value};
use tracing::dispatcher::WeakDispatch;
use tracing::field::{Field, Visit};
use tracing::{Dispatch, Event, Subscriber};
use tracing_opentelemetry::OpenTelemetrySpanExt as _;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormattedFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::CommonConfig;

/// Keeps the OpenTelemetry pipeline alive; flushes pending spans when dropped.
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take()
            && let Err(err) = provider.shutdown()
        {
            eprintln!("opentelemetry shutdown: {err}");
        }
    }
}

/// Installs the global subscriber once per process (call from `main`, never from a library).
pub fn init(service: &'static str, config: &CommonConfig) -> anyhow::Result<TelemetryGuard> {
    let provider = tracer_provider(service, config)?;
    dispatch(service, config, &provider, std::io::stdout)?.try_init()?;
    Ok(TelemetryGuard {
        provider: Some(provider),
    })
}

/// Exports over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set; without it spans still get
/// ids (for the logs and for propagation) and are dropped when they end.
pub fn tracer_provider(
    service: &'static str,
    config: &CommonConfig,
) -> anyhow::Result<SdkTracerProvider> {
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(service)
        .build();
    let builder = SdkTracerProvider::builder().with_resource(resource);
    match &config.otel_exporter_otlp_endpoint {
        Some(endpoint) if !endpoint.is_empty() => {
            // OTEL_EXPORTER_OTLP_ENDPOINT is the collector's base URL; traces go to /v1/traces.
            // Headers and timeouts still come from the standard OTEL_* variables.
            crate::tls::install_provider();
            let mut exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')));
            // A collector behind a private CA is trusted like every other outbound HTTPS peer.
            if let Some(ca) = &config.https_ca_cert {
                exporter = exporter.with_http_client(crate::tls::blocking_http_client_trusting(
                    ca,
                    otlp_timeout(),
                )?);
            }
            let exporter = exporter.build()?;
            Ok(builder.with_batch_exporter(exporter).build())
        }
        _ => Ok(builder.build()),
    }
}

/// `OTEL_EXPORTER_OTLP_TRACES_TIMEOUT` or `OTEL_EXPORTER_OTLP_TIMEOUT` (milliseconds), else the
/// exporter's own default of 10 s: the exporter reads them only for the client it builds itself.
fn otlp_timeout() -> Duration {
    [
        "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
        "OTEL_EXPORTER_OTLP_TIMEOUT",
    ]
    .iter()
    .find_map(|name| std::env::var(name).ok()?.trim().parse().ok())
    .map_or(Duration::from_secs(10), Duration::from_millis)
}

/// The subscriber [`init`] installs, writing JSON lines to `writer`: tests install it for one
/// thread (`tracing::dispatcher::set_default`) to read the lines and trace ids.
pub fn dispatch<W>(
    service: &'static str,
    config: &CommonConfig,
    provider: &SdkTracerProvider,
    writer: W,
) -> anyhow::Result<Dispatch>
where
    W: for<'a> MakeWriter<'a> + Send + Sync + 'static,
{
    let filter = EnvFilter::try_new(config.rust_log.as_deref().unwrap_or("info"))?;
    let own = Arc::new(OnceLock::new());
    let fmt_layer = tracing_subscriber::fmt::layer()
        .fmt_fields(JsonFields::new())
        .event_format(JsonLines {
            service,
            instance_id: config.instance_id().to_owned(),
            dispatch: own.clone(),
        })
        .with_writer(writer);
    let otel_layer = tracing_opentelemetry::layer().with_tracer(provider.tracer(service));
    let dispatch = Dispatch::new(
        tracing_subscriber::registry()
            .with(filter)
            .with(otel_layer)
            .with(fmt_layer),
    );
    // A weak handle: the formatter asks the OpenTelemetry layer of its own subscriber for the
    // trace id, without keeping that subscriber alive.
    let _ = own.set(dispatch.downgrade());
    Ok(dispatch)
}

/// The caller's span context from a `traceparent` header, when it carries a valid one.
pub fn remote_parent(headers: &HeaderMap) -> Option<opentelemetry::Context> {
    let cx = TraceContextPropagator::new().extract(&Headers(headers));
    cx.span().span_context().is_valid().then_some(cx)
}

/// Makes `span` the child of the caller's span when the request carries a `traceparent`.
pub fn adopt_remote_parent(span: &tracing::Span, headers: &HeaderMap) {
    if let Some(parent) = remote_parent(headers)
        && let Err(err) = span.set_parent(parent)
    {
        tracing::debug!(error = %err, "traceparent not applied");
    }
}

/// Writes `traceparent` (and `tracestate`) for `span` into outgoing headers; nothing when no
/// OpenTelemetry layer is installed.
pub fn inject_context(span: &tracing::Span, headers: &mut HeaderMap) {
    TraceContextPropagator::new().inject_context(&span.context(), &mut HeadersMut(headers));
}

/// The trace id of `span` in hex, if it has one.
pub fn trace_id(span: &tracing::Span) -> Option<String> {
    let cx = span.context();
    let sc = cx.span().span_context().clone();
    sc.is_valid().then(|| sc.trace_id().to_string())
}

struct Headers<'a>(&'a HeaderMap);

impl Extractor for Headers<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(HeaderName::as_str).collect()
    }
}

struct HeadersMut<'a>(&'a mut HeaderMap);

impl Injector for HeadersMut<'_> {
    fn set(&mut self, key: &str, value: String) {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(key.as_bytes()),
            HeaderValue::from_str(&value),
        ) {
            self.0.insert(name, value);
        }
    }
}

/// Formats one event as one JSON object per line.
pub struct JsonLines {
    pub service: &'static str,
    pub instance_id: String,
    /// The subscriber this formatter is part of, to look up the span's trace id.
    pub dispatch: Arc<OnceLock<WeakDispatch>>,
}

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut line = Map::new();
        line.insert("timestamp".into(), Value::from(now_rfc3339()));
        line.insert(
            "level".into(),
            Value::from(event.metadata().level().as_str()),
        );
        line.insert("service".into(), Value::from(self.service));
        line.insert("instance_id".into(), Value::from(self.instance_id.as_str()));
        line.insert("target".into(), Value::from(event.metadata().target()));
        // Outer spans first so inner spans override (e.g. a tenant recorded late wins).
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                let ext = span.extensions();
                if let Some(fields) = ext.get::<FormattedFields<N>>()
                    && let Ok(Value::Object(map)) = serde_json::from_str::<Value>(fields)
                {
                    line.extend(map);
                }
            }
        }
        // After the loop: reading the OpenTelemetry context may lock the span's extensions.
        if let Some(trace_id) = self.trace_id(ctx) {
            line.insert("trace_id".into(), Value::from(trace_id));
        }
        let mut visitor = JsonVisitor(&mut line);
        event.record(&mut visitor);
        let text = serde_json::to_string(&line).map_err(|_| fmt::Error)?;
        writeln!(writer, "{text}")
    }
}

impl JsonLines {
    /// The trace id of the innermost enclosing span that has one.
    fn trace_id<S, N>(&self, ctx: &FmtContext<'_, S, N>) -> Option<String>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
        N: for<'a> tracing_subscriber::fmt::FormatFields<'a> + 'static,
    {
        let dispatch = self.dispatch.get()?.upgrade()?;
        ctx.event_scope()?.find_map(|span| {
            let cx = tracing_opentelemetry::get_otel_context(&span.id(), &dispatch)?;
            let sc = cx.span().span_context().clone();
            sc.is_valid().then(|| sc.trace_id().to_string())
        })
    }
}

struct JsonVisitor<'a>(&'a mut Map<String, Value>);

impl Visit for JsonVisitor<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0
            .insert(field.name().to_owned(), Value::from(format!("{value:?}")));
    }
}

/// UTC timestamp with millisecond precision, without pulling in a date crate.
fn now_rfc3339() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = civil_from_days(i64::try_from(days).unwrap_or_default());
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        now.subsec_millis()
    )
}

/// Days since 1970-01-01 to (year, month, day), Howard Hinnant's civil-from-days algorithm.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = u32::try_from(doy - (153 * mp + 2) / 5 + 1).unwrap_or(1);
    let m = u32::try_from(if mp < 10 { mp + 3 } else { mp - 9 }).unwrap_or(1);
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn civil_dates_are_right() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(20_779), (2026, 11, 22));
    }
}
