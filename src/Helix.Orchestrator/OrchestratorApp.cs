using System.Globalization;
using Helix.Events;
using Helix.Hosting;
using Helix.Orchestrator.Api;
using Helix.Orchestrator.Configuration;
using Helix.Orchestrator.Nodes;
using Helix.Orchestrator.Worker;
using Helix.Orchestrator.Workflows;
using Helix.Postgres.Hosting;
using Helix.Workflows;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using Npgsql;
using OllamaSharp;
using StackExchange.Redis;

namespace Helix.Orchestrator;

/// <summary>Builds the Orchestrator; <c>Program</c> runs it, tests start it on a loopback port.</summary>
public static class OrchestratorApp
{
    public const string ServiceName = "orchestrator";

    /// <summary>
    /// <c>orchestrator</c> serves; <c>orchestrator migrate</c> applies the migrations and exits;
    /// <c>orchestrator prune [--older-than 14d]</c> deletes finished runs past that age now.
    /// </summary>
    public static async Task<int> RunAsync(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        switch (args)
        {
            case ["migrate", .. var rest]:
            {
                await using var app = Build(rest, b => b.Configuration["Database:MigrateOnStart"] = "false");
                await ServiceDatabase.MigrateAsync(app.Services, CancellationToken.None).ConfigureAwait(false);
                return 0;
            }
            case ["prune", .. var rest]:
            {
                var age = rest is ["--older-than", var text, ..] ? ParseAge(text) : (TimeSpan?)null;
                if (rest is ["--older-than", ..] && age is null)
                {
                    await Console.Error.WriteLineAsync("--older-than takes days or hours, such as 14d or 36h").ConfigureAwait(false);
                    return 2;
                }
                await using var app = Build(rest is ["--older-than", _, .. var tail] ? tail : rest, b => b.Configuration["Database:MigrateOnStart"] = "false");
                var store = app.Services.GetRequiredService<RunStore>();
                var retention = age ?? app.Services.GetRequiredService<IOptions<OrchestratorOptions>>().Value.Retention;
                var pruned = await store.PruneAsync(app.Services.GetRequiredService<TimeProvider>().GetUtcNow() - retention, CancellationToken.None).ConfigureAwait(false);
                await Console.Out.WriteLineAsync($"deleted {pruned} finished runs older than {retention}").ConfigureAwait(false);
                return 0;
            }
            default:
            {
                await using var app = Build(args);
                await app.RunAsync().ConfigureAwait(false);
                return 0;
            }
        }
    }

    private static TimeSpan? ParseAge(string text) =>
        text.Length > 1 && int.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? text[^1] switch { 'd' => TimeSpan.FromDays(n), 'h' => TimeSpan.FromHours(n), _ => null }
            : null;

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.AddHelixServiceDefaults(ServiceName);
        configure?.Invoke(builder);

        builder.Services.AddValidatedOptions<OrchestratorOptions>(OrchestratorOptions.Section);
        builder.Services.AddServiceDatabase(async (direct, schema, cancellationToken) =>
        {
            await RunStore.MigrateAsync(direct, schema, cancellationToken).ConfigureAwait(false);
            await OrchestratorSchema.MigrateAsync(direct, schema, cancellationToken).ConfigureAwait(false);
        });
        builder.Services.AddValidatedOptions<EventStreamOptions>(EventStreamOptions.Section);
        builder.Services.AddValidatedOptions<NatsOptions>(NatsOptions.Section);
        builder.Services.AddValidatedOptions<OllamaOptions>(OllamaOptions.Section);
        builder.Services.AddValidatedOptions<SteelOptions>(SteelOptions.Section);
        builder.Services.AddValidatedOptions<RedisOptions>(RedisOptions.Section);
        builder.Services.AddValidatedOptions<PartnerHttpOptions>(PartnerHttpOptions.Section);
        AddNodes(builder.Services);

        builder.Services.AddSingleton<INatsConnection>(sp => NatsConnections.Create(sp.GetRequiredService<IOptions<NatsOptions>>().Value, ServiceName));
        builder.Services.AddSingleton(sp => new RunStore(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.Schema,
            sp.GetRequiredService<IOptions<OrchestratorOptions>>().Value.CompactEvery));
        // Registered early, so it stops late: background runs hand their runs back before the process ends.
        builder.Services.AddHostedService<DrainRuns>();

        builder.Services.AddSingleton(sp => SmokeWorkflow.Build(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.Schema));
        builder.Services.AddSingleton(sp => ResearchWorkflow.Build(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.Schema));
        builder.Services.AddSingleton(sp => new WorkflowRegistry(sp.GetServices<IWorkflow>()));
        builder.Services.AddSingleton(sp => new RunnerOptions { Lease = sp.GetRequiredService<IOptions<OrchestratorOptions>>().Value.Lease });
        builder.Services.AddSingleton<WorkflowRunner>();
        builder.Services.AddSingleton<RunScheduler>();
        builder.Services.AddSingleton<OrchestratorMetrics>();
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<EventWorker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EventWorker>());
        builder.Services.AddHostedService<OrphanSweeper>();
        builder.Services.AddHealthChecks()
            .AddCheck<NatsHealth>("nats", tags: [ServiceDefaults.ReadyTag])
            .AddCheck<ConsumerHealth>("events-consumer", tags: [ServiceDefaults.ReadyTag]);

        var app = builder.Build();
        // Every route must name a workflow this build has: a typo stops start-up, not the first event.
        var registry = app.Services.GetRequiredService<WorkflowRegistry>();
        var routes = app.Services.GetRequiredService<IOptions<OrchestratorOptions>>().Value.Routes;
        for (var i = 0; i < routes.Count; i++)
        {
            if (registry.Find(routes[i].Workflow) is null)
            {
                throw new OptionsValidationException(OrchestratorOptions.Section, typeof(OrchestratorOptions),
                    [$"Configuration key 'Orchestrator:Routes:{i}:Workflow': no workflow named '{routes[i].Workflow}' (known: {string.Join(", ", registry.Names.Order(StringComparer.Ordinal))})"]);
            }
        }
        // Answers without a body of their own (no route, a malformed id) get a problem document too.
        app.UseStatusCodePages();
        app.MapHelixDefaultEndpoints();
        RunEndpoints.Map(app);
        return app;
    }

    /// <summary>The built-in nodes' services: the model, the browser farm, partner APIs, and their cache.</summary>
    private static void AddNodes(IServiceCollection services)
    {
        services.AddSingleton(sp => new Lazy<IConnectionMultiplexer>(() =>
        {
            var redis = sp.GetRequiredService<IOptions<RedisOptions>>().Value;
            var configuration = ConfigurationOptions.Parse(redis.Configuration);
            configuration.AbortOnConnectFail = false; // a cache: the service starts and works without it
            configuration.ClientName = ServiceName;
            if (redis.Password is { } reference)
            {
                configuration.Password = SecretReference.Resolve(reference);
            }
            return ConnectionMultiplexer.Connect(configuration);
        }));
        services.AddSingleton<Cache>();
        services.AddTransient<OllamaStreamErrors>();
        services.AddHttpClient("ollama", (sp, http) =>
        {
            var ollama = sp.GetRequiredService<IOptions<OllamaOptions>>().Value;
            http.BaseAddress = ollama.Url;
            http.Timeout = ollama.Timeout;
        }).AddHttpMessageHandler<OllamaStreamErrors>();
        services.AddSingleton<IChatClient>(sp => new OllamaApiClient(sp.GetRequiredService<IHttpClientFactory>().CreateClient("ollama"),
            sp.GetRequiredService<IOptions<OllamaOptions>>().Value.Model));
        services.AddSingleton<LanguageModel>();
        services.AddHttpClient(nameof(WebBrowser), (sp, http) =>
        {
            http.BaseAddress = sp.GetRequiredService<IOptions<SteelOptions>>().Value.Url;
            http.Timeout = TimeSpan.FromSeconds(30);
        });
        // One Playwright driver per process, shared by every browse task.
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<WebBrowser>(sp, sp.GetRequiredService<IHttpClientFactory>().CreateClient(nameof(WebBrowser))));
        var partners = services.AddHttpClient<PartnerApi>()
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                Proxy = sp.GetRequiredService<IOptions<PartnerHttpOptions>>().Value.Proxy is { } proxy ? new System.Net.WebProxy(proxy) : null,
                UseProxy = sp.GetRequiredService<IOptions<PartnerHttpOptions>>().Value.Proxy is not null,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            .AddStandardResilienceHandler();
        services.AddOptions<HttpStandardResilienceOptions>(partners.PipelineName).Configure<IOptions<PartnerHttpOptions>>((resilience, options) =>
            {
                var partner = options.Value;
                resilience.AttemptTimeout.Timeout = partner.AttemptTimeout;
                resilience.TotalRequestTimeout.Timeout = partner.TotalTimeout;
                resilience.Retry.MaxRetryAttempts = partner.Retries;
                resilience.Retry.UseJitter = true;
                // The breaker samples at least twice an attempt's length (the library's own rule).
                resilience.CircuitBreaker.SamplingDuration = partner.AttemptTimeout * 2 > TimeSpan.FromSeconds(30) ? partner.AttemptTimeout * 2 : TimeSpan.FromSeconds(30);
            });
    }

    private sealed class DrainRuns(RunScheduler scheduler) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => scheduler.DrainAsync().WaitAsync(cancellationToken);
    }

    private sealed class ConsumerHealth(EventWorker worker) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(worker.Consuming ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("the events consumer is not set up yet"));
    }

    private sealed class NatsHealth(INatsConnection nats) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(nats.ConnectionState == NatsConnectionState.Open
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy($"NATS is {nats.ConnectionState}"));
    }
}
