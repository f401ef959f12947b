using System.Net;
using System.Text;
using System.Text.Json;
using CsCheck;
using Helix.Events;
using Helix.Testing;
using Helix.Workflows;
using NATS.Client.JetStream;
using static Helix.Testing.HostileJson;

namespace Helix.Orchestrator.Tests;

/// <summary>
/// Generated runs-API requests and generated events, with any text where a client or a provider
/// puts text, against the real service over the harness's JetStream and PostgreSQL. Properties:
/// the API never answers 5xx, says 400 for what is not a key, 422 for text in the input the run
/// store cannot keep (not UTF-8, an unpaired surrogate, a NUL), and otherwise stores the input exactly, once per Idempotency-Key (another
/// body under the key is a 409); every event ends as exactly one run or in the dead letter.
/// </summary>
[Collection(ServiceDependency.Name)]
public sealed class GeneratedInputTests(PostgresFixture postgres, NatsFixture nats)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static int _sample;

    // Keys as a client sends them: mostly tokens, sometimes empty, with a space inside, or too long.
    private static readonly Gen<string> Key = Gen.Frequency(
        (6, Gen.Char['!', '~'].Array[1, 40].Select(c => new string(c))),
        (1, Gen.Const("")),
        (1, Gen.Select(Gen.Char['!', '~'].Array[1, 10], Gen.Char['!', '~'].Array[1, 10], (a, b) => $"{new string(a)} {new string(b)}")),
        (1, Gen.Char['!', '~'].Array[201, 260].Select(c => new string(c))));

    [Fact]
    public async Task TheRunsApi_StoresAnyInputExactlyOnce_OrRefusesItWithA4xx()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var host = await OrchestratorHost.StartAsync(scope, schema);
        var answers = new List<HttpStatusCode>();

        await Gen.Select(HostileJson.Text, Gen.Frequency((3, Key.Select(k => (string?)k)), (1, Gen.Const((string?)null)))).SampleAsync(async (note, generated) =>
        {
            // A sample's own prefix keeps keys apart across samples; it changes nothing of the key's validity.
            var key = generated is null ? null : generated.Length == 0 ? "" : $"s{Interlocked.Increment(ref _sample)}-{generated}";
            var body = Input("1", note);
            var before = await CountAsync(schema);
            var (status, answer) = await StartAsync(host, body, key);
            answers.Add(status);

            var expected = key is not null && (key.Length is 0 or > 200 || key.Contains(' ', StringComparison.Ordinal)) ? HttpStatusCode.BadRequest
                : !note.Storable ? HttpStatusCode.UnprocessableEntity
                : HttpStatusCode.Accepted;
            Assert.True(status == expected, $"{(int)status}, expected {(int)expected}: {answer}");
            if (status != HttpStatusCode.Accepted)
            {
                Assert.Equal(before, await CountAsync(schema));
                Assert.True(JsonDocument.Parse(answer).RootElement.TryGetProperty("detail", out _), answer);
                return;
            }
            var id = JsonDocument.Parse(answer).RootElement.GetProperty("id").GetGuid();
            var run = await host.Store.GetAsync(id, Ct) ?? throw new InvalidOperationException($"run {id} not stored");
            Assert.Equal(note.Text, run.Input!["event"]!["body"]!["note"]!.GetValue<string>());
            Assert.Equal(before + 1, await CountAsync(schema));
            if (key is not null)
            {
                var (again, againAnswer) = await StartAsync(host, body, key);
                Assert.Equal(HttpStatusCode.Accepted, again);
                Assert.Equal(id, JsonDocument.Parse(againAnswer).RootElement.GetProperty("id").GetGuid());
                var other = Input("2", note);
                var (conflict, conflictAnswer) = await StartAsync(host, other, key);
                Assert.True(conflict == HttpStatusCode.Conflict, $"{(int)conflict}: {conflictAnswer}");
                Assert.Equal(before + 1, await CountAsync(schema));
            }
        }, iter: 150, threads: 1);
        Assert.Contains(HttpStatusCode.Accepted, answers);
        Assert.Contains(HttpStatusCode.UnprocessableEntity, answers);
        Assert.Contains(HttpStatusCode.BadRequest, answers);
    }

    /// <summary>A smoke run's request: the text where the workflow's state keeps free JSON (an event body).</summary>
    private static byte[] Input(string steps, Literal note) => Members(
        ("workflow", "\"smoke\""u8.ToArray()),
        ("input", Members(("steps", Encoding.ASCII.GetBytes(steps)), ("event", Members(("body", Members(("note", note.Json))))))));

    private sealed record Event(string DeliveryId, byte[] Body);

    // What an event's body may say about steps: a count, nothing, text, a number no int holds.
    private static readonly Gen<byte[]> Steps = Gen.OneOf("0", "1", "2", "\"three\"", "99999999999", "null", "[]").Select(Encoding.ASCII.GetBytes);

    private static readonly Gen<Event> AnyEvent = Gen.Select(
        // The envelope carries any Unicode id (the receiver refuses the rest with a 422).
        HostileJson.Text.Where(l => l.Unicode && l.Text!.Length > 0), Steps, HostileJson.Text, Gen.Int[0, 9],
        (id, steps, note, shape) => new Event(id.Text!, shape switch
        {
            0 => note.Json, // a body that is a bare string, or not even UTF-8
            1 => [],
            _ => Members(("steps", steps), ("note", note.Json)),
        }));

    [Fact]
    public async Task EveryGeneratedEvent_EndsAsOneRunOrADeadLetter()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var host = await OrchestratorHost.StartAsync(scope, schema, new Dictionary<string, string?> { ["Orchestrator:RedeliveryDelay"] = "00:00:00.100" });
        var published = new List<WebhookEvent>();

        await AnyEvent.Array[25].SampleAsync(async events =>
        {
            foreach (var generated in events)
            {
                var delivery = new WebhookEvent
                {
                    Source = "acme",
                    EventType = "smoke",
                    DeliveryId = $"{Interlocked.Increment(ref _sample)}:{generated.DeliveryId}",
                    ReceivedAt = DateTimeOffset.UtcNow,
                    ContentType = "application/json",
                    Body = generated.Body,
                    BodyLength = generated.Body.Length,
                };
                var ack = await scope.JetStream.PublishAsync(EventSubjects.For($"{scope.SubjectPrefix}.acme", "smoke", delivery.DeliveryId), generated.Body,
                    headers: delivery.ToHeaders(), cancellationToken: Ct);
                ack.EnsureSuccess();
                published.Add(delivery);
            }
        }, iter: 6, threads: 1);

        await OrchestratorHost.WaitUntilAcknowledgedAsync(scope, seconds: 120);
        var runs = await host.Store.ListAsync(new RunQuery { Limit = 1000 }, Ct);
        var letters = (await OrchestratorHost.DeadLettersAsync(scope)).Select(l => l.Headers![EventHeaders.DeliveryId].ToString()).ToHashSet(StringComparer.Ordinal);
        foreach (var delivery in published)
        {
            var runCount = runs.Count(r => r.SourceKey == delivery.MessageId);
            var lettered = letters.Contains(delivery.ToHeaders()[EventHeaders.DeliveryId].ToString());
            Assert.True(runCount <= 1, $"{runCount} runs for {delivery.MessageId}");
            Assert.True(runCount == 1 || lettered, $"event {delivery.MessageId} ended as neither a run nor a dead letter");
            if (runCount == 1 && !lettered)
            {
                Assert.Equal(RunStatus.Completed, runs.Single(r => r.SourceKey == delivery.MessageId).Status);
            }
        }
        Assert.Contains(runs, r => r.Status == RunStatus.Completed);
        Assert.NotEmpty(letters);
    }

    private static async Task<(HttpStatusCode Status, string Body)> StartAsync(OrchestratorHost host, byte[] body, string? key)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/runs") { Content = content };
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }
        using var response = await host.Client.SendAsync(request, Ct);
        return (response.StatusCode, await response.Content.ReadAsStringAsync(Ct));
    }

    private static async Task<long> CountAsync(PostgresSchema schema)
    {
        await using var count = schema.Direct.CreateCommand($"SELECT count(*) FROM {schema.Table("runs")}");
        return (long)(await count.ExecuteScalarAsync(Ct))!;
    }
}
