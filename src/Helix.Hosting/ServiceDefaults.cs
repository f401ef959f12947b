using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Helix.Hosting;

/// <summary>
/// The defaults every Helix service starts with, in the manner of Aspire's ServiceDefaults:
/// one call while building, one while mapping endpoints.
/// </summary>
public static class ServiceDefaults
{
    /// <summary>Liveness: the process is able to serve at all. Checks tagged so run on <c>/healthz</c>.</summary>
    public const string LiveTag = "live";

    /// <summary>Readiness: the service's dependencies answer. Checks tagged so run on <c>/readyz</c>.</summary>
    public const string ReadyTag = "ready";

    public const string HealthPath = "/healthz";
    public const string ReadyPath = "/readyz";
    public const string MetricsPath = "/metrics";

    /// <summary>Activity sources and meters of Helix's own code start with this prefix.</summary>
    public const string TelemetryPrefix = "Helix.";

    public static TBuilder AddHelixServiceDefaults<TBuilder>(this TBuilder builder, string serviceName)
        where TBuilder : IHostApplicationBuilder
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(serviceName);

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.ConfigureJsonLogging();
        builder.ConfigureTelemetry(serviceName);
        builder.ConfigureGracefulShutdown();
        builder.Services.Configure<KestrelServerOptions>(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestHeadersTotalSize = 32 << 10;
            kestrel.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            // A body trickling in slower than 1 KiB/s (after 5 s of grace) is cut off by Kestrel.
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(1024, TimeSpan.FromSeconds(5));
        });

        builder.Services.AddHealthChecks()
            .AddCheck<DrainingHealthCheck>("draining", tags: [ReadyTag]);
        builder.Services.AddSingleton<DrainingHealthCheck>();
        return builder;
    }

    /// <summary>Maps <c>/healthz</c>, <c>/readyz</c> and <c>/metrics</c>.</summary>
    public static WebApplication MapHelixDefaultEndpoints(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);

        app.MapHealthChecks(HealthPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(LiveTag),
            ResponseWriter = HealthResponseWriter.WriteAsync,
        }).DisableHttpMetrics();
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = HealthResponseWriter.WriteAsync,
        }).DisableHttpMetrics();
        app.MapPrometheusScrapingEndpoint(MetricsPath).DisableHttpMetrics();
        return app;
    }

    private static void ConfigureJsonLogging(this IHostApplicationBuilder builder)
    {
        builder.Logging.ClearProviders();
        builder.Logging.Configure(o => o.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
        });
    }

    private static void ConfigureTelemetry(this IHostApplicationBuilder builder, string serviceName)
    {
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName, serviceVersion: ServiceVersion()))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(TelemetryPrefix + "*")
                .AddPrometheusExporter());

        // Spans are recorded only when they can leave the process: with no collector configured
        // (the standard variable), recording them would cost every request and show nobody.
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.WithTracing(t => t
                    .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !IsInfrastructurePath(ctx.Request.Path))
                    .AddHttpClientInstrumentation()
                    .AddSource(TelemetryPrefix + "*")
                    .AddSource("NATS.Net")
                    .AddOtlpExporter())
                .WithMetrics(m => m.AddOtlpExporter());
        }
    }

    private static void ConfigureGracefulShutdown(this IHostApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<ShutdownOptions>(ShutdownOptions.Section);
        builder.Services.AddSingleton<IConfigureOptions<HostOptions>, ConfigureHostShutdown>();
        builder.Services.AddHostedService<DrainOnShutdown>();
    }

    internal static bool IsInfrastructurePath(PathString path) =>
        path.StartsWithSegments(HealthPath) || path.StartsWithSegments(ReadyPath) || path.StartsWithSegments(MetricsPath);

    private static string ServiceVersion() =>
        System.Reflection.Assembly.GetEntryAssembly()?.GetName().Version?.ToString() ?? "0.0.0";
}
