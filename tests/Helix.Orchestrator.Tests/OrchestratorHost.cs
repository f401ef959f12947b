using System.Net.Http.Json;
using System.Text.Json;
using Helix.Events;
using Helix.Testing;
using Helix.Workflows;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Helix.Orchestrator.Tests;

/// <summary>
/// The real Orchestrator on a loopback port: the test's own stream and subject prefix on the
/// harness's NATS, its own schema in the harness's PostgreSQL (through PgBouncer).
/// </summary>
internal sealed class OrchestratorHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private OrchestratorHost(WebApplication app, NatsTestScope scope, PostgresSchema schema, CapturedLogs logs)
    {
        _app = app;
        Scope = scope;
        Schema = schema;
        Logs = logs;
        Client.BaseAddress = TestHttpServer.AddressOf(app);
    }

    public HttpClient Client { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public NatsTestScope Scope { get; }

    public PostgresSchema Schema { get; }

    public CapturedLogs Logs { get; }

    public RunStore Store => _app.Services.GetRequiredService<RunStore>();

    public IServiceProvider Services => _app.Services;

    /// <summary>The settings every test shares; tests add or override.</summary>
    public static Dictionary<string, string?> Settings(NatsTestScope scope, PostgresSchema schema) => new()
    {
        ["Nats:Url"] = TestEnvironment.Require("HELIX_TEST_NATS_URL", "NATS"),
        ["Events:StreamName"] = scope.StreamName,
        ["Events:SubjectPrefix"] = scope.SubjectPrefix,
        ["Events:BodiesBucket"] = scope.StreamName + "_BODIES",
        ["Events:MaxBytes"] = (64 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture), // as CreateEventsStreamAsync
        ["Orchestrator:Routes:0:Source"] = "acme",
        ["Orchestrator:Routes:0:EventType"] = "smoke",
        ["Orchestrator:Routes:0:Workflow"] = "smoke",
        ["Orchestrator:Consumer"] = scope.StreamName + "_orchestrator",
        ["Orchestrator:DeadLetterSubject"] = $"{scope.SubjectPrefix}-deadletter",
        ["Orchestrator:SweepInterval"] = "00:00:01",
        ["Database:ConnectionString"] = TestEnvironment.Require("HELIX_TEST_PGBOUNCER", "PgBouncer"),
        ["Database:MigrationConnectionString"] = TestEnvironment.Require("HELIX_TEST_POSTGRES", "PostgreSQL"),
        ["Database:Schema"] = schema.Name,
        ["Redis:Configuration"] = TestEnvironment.Require("HELIX_TEST_REDIS", "Redis"),
        ["Redis:KeyPrefix"] = $"{scope.StreamName}:",
        ["Shutdown:DrainDelay"] = "00:00:00",
    };

    /// <summary>The events stream of the test's scope, created as the Webhook Receiver creates it: the Orchestrator only consumes it.</summary>
    public static Task CreateEventsStreamAsync(NatsTestScope scope) =>
        EventStreams.EnsureAsync(scope.JetStream, new EventStreamOptions
        {
            StreamName = scope.StreamName,
            SubjectPrefix = scope.SubjectPrefix,
            BodiesBucket = scope.StreamName + "_BODIES",
            MaxBytes = 64 << 20,
        }, TestContext.Current.CancellationToken);

    /// <summary>
    /// Starts the service, the receiver's events stream first, and waits until it is ready; with
    /// <paramref name="defaults"/> off, only <paramref name="overrides"/> configure it (the rendered
    /// environment, for one); with <paramref name="receiverStream"/> off, neither the stream nor the wait.
    /// </summary>
    public static async Task<OrchestratorHost> StartAsync(NatsTestScope scope, PostgresSchema schema, IDictionary<string, string?>? overrides = null, bool defaults = true, bool receiverStream = true)
    {
        if (receiverStream)
        {
            await CreateEventsStreamAsync(scope);
        }
        var settings = defaults ? Settings(scope, schema) : new Dictionary<string, string?> { ["Shutdown:DrainDelay"] = "00:00:00" };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        var logs = new CapturedLogs();
        var app = OrchestratorApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(settings);
            builder.Logging.ClearProviders();
            builder.Services.AddSingleton<ILoggerProvider>(logs);
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var host = new OrchestratorHost(app, scope, schema, logs);
        if (receiverStream)
        {
            await Readiness.WaitAsync(host.Client, "orchestrator", logs);
        }
        return host;
    }

    /// <summary>Publishes an event as the Webhook Receiver does (the Helix.Events envelope), to the test's stream.</summary>
    public static async Task PublishAsync(NatsTestScope scope, string source, string type, string deliveryId, object? body, NatsHeaders? replaceHeaders = null)
    {
        var payload = body is null ? [] : JsonSerializer.SerializeToUtf8Bytes(body);
        var delivery = new WebhookEvent
        {
            Source = source,
            EventType = type,
            DeliveryId = deliveryId,
            ReceivedAt = DateTimeOffset.UtcNow,
            ContentType = "application/json",
            Body = payload,
            BodyLength = payload.Length,
        };
        var ack = await scope.JetStream.PublishAsync(EventSubjects.For($"{scope.SubjectPrefix}.{source}", type, deliveryId), payload,
            headers: replaceHeaders ?? delivery.ToHeaders(), cancellationToken: TestContext.Current.CancellationToken);
        ack.EnsureSuccess();
    }

    /// <summary>Waits until the store's runs satisfy the condition; returns them.</summary>
    public Task<IReadOnlyList<RunView>> WaitForRunsAsync(Func<IReadOnlyList<RunView>, bool> condition, int seconds = 60, int limit = 1000) =>
        Eventually.WaitAsync(() => Store.ListAsync(new RunQuery { Limit = limit }, TestContext.Current.CancellationToken), condition, TimeSpan.FromSeconds(seconds),
            runs => $"runs never got there: {string.Join(", ", runs.GroupBy(r => r.Status).Select(g => $"{g.Key}={g.Count()}"))}\n{string.Join("\n", Logs.Lines.TakeLast(10))}");

    public async Task<JsonElement> GetJsonAsync(string path) =>
        await Client.GetFromJsonAsync<JsonElement>(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);

    /// <summary>Waits until the orchestrator's consumer has nothing pending and nothing unacknowledged.</summary>
    public static Task WaitUntilAcknowledgedAsync(NatsTestScope scope, int seconds = 10) =>
        Eventually.WaitAsync(async () => (await scope.JetStream.GetConsumerAsync(scope.StreamName, $"{scope.StreamName}_orchestrator", TestContext.Current.CancellationToken)).Info,
            info => info.NumAckPending == 0 && info.NumPending == 0, TimeSpan.FromSeconds(seconds),
            info => $"events stayed unacknowledged: {info.NumPending} pending, {info.NumAckPending} awaiting an ack ({info.NumRedelivered} redelivered, {info.NumWaiting} pulls waiting)");

    /// <summary>Every message of the dead-letter stream so far (waits up to 30 s for the first when <paramref name="atLeastOne"/>).</summary>
    public static async Task<IReadOnlyList<INatsJSMsg<byte[]>>> DeadLettersAsync(NatsTestScope scope, bool atLeastOne = false)
    {
        var ct = TestContext.Current.CancellationToken;
        var stream = $"{scope.StreamName}_DEADLETTER";
        for (var i = 0; i < 300; i++)
        {
            var letters = new List<INatsJSMsg<byte[]>>();
            try
            {
                var consumer = await scope.JetStream.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig($"audit-{Guid.NewGuid():N}") { AckPolicy = ConsumerConfigAckPolicy.None }, ct);
                int got;
                do
                {
                    got = 0;
                    await foreach (var letter in consumer.FetchNoWaitAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = 500 }, cancellationToken: ct))
                    {
                        got++;
                        letters.Add(letter);
                    }
                }
                while (got > 0);
            }
            catch (NatsJSApiException)
            {
                // the stream is created with the first dead letter
            }
            if (letters.Count > 0 || !atLeastOne)
            {
                return letters;
            }
            await Task.Delay(100, ct);
        }
        throw new TimeoutException("nothing reached the dead-letter subject");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        Client.Dispose();
    }
}
