using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Helix.Events;
using Helix.Orchestrator.Worker;
using Helix.Testing;
using Helix.Workflows;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Helix.Orchestrator.Tests;

/// <summary>The worker and the API over the harness's real NATS JetStream and PostgreSQL (through PgBouncer).</summary>
[Collection(ServiceDependency.Name)]
public sealed class WorkerTests(PostgresFixture postgres, NatsFixture nats)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task EachEvent_BecomesOneRun_WhichFinishes_AndTheEventIsAcknowledged()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var host = await OrchestratorHost.StartAsync(scope, schema);

        for (var i = 0; i < 20; i++)
        {
            await OrchestratorHost.PublishAsync(scope, "acme", "smoke", $"delivery-{i}", new { n = i });
        }
        await OrchestratorHost.PublishAsync(scope, "acme", "ignored", "delivery-x", new { }); // no route: acknowledged, no run

        var runs = await host.WaitForRunsAsync(r => r.Count(x => x.Status == RunStatus.Completed) == 20);
        Assert.Equal(20, runs.Count);
        Assert.All(runs, r => Assert.StartsWith("acme:delivery-", r.SourceKey, StringComparison.Ordinal));
        Assert.Equal("acme", runs[0].Input!["event"]!["source"]!.GetValue<string>());
        await OrchestratorHost.WaitUntilAcknowledgedAsync(scope);
        await using var effects = schema.Direct.CreateCommand($"SELECT count(*), count(DISTINCT (run_id, step)) FROM {schema.Table("smoke_effects")}");
        await using var reader = await effects.ExecuteReaderAsync(Ct);
        await reader.ReadAsync(Ct);
        Assert.Equal((60L, 60L), (reader.GetInt64(0), reader.GetInt64(1)));
    }

    [Fact]
    public async Task WithoutTheReceiversEventsStream_TheOrchestratorWaits_NotReady_AndCreatesNoStreamOfItsOwn()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var host = await OrchestratorHost.StartAsync(scope, schema, receiverStream: false);

        await Task.Delay(TimeSpan.FromSeconds(1), Ct);
        using (var ready = await host.Client.GetAsync(new Uri("/readyz", UriKind.Relative), Ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        }
        var missing = await Assert.ThrowsAsync<NatsJSApiException>(() => scope.JetStream.GetStreamAsync(scope.StreamName, cancellationToken: Ct).AsTask());
        Assert.Equal(404, missing.Error.Code);

        await OrchestratorHost.CreateEventsStreamAsync(scope); // the receiver starts
        await Readiness.WaitAsync(host.Client, "orchestrator", host.Logs);
        await OrchestratorHost.PublishAsync(scope, "acme", "smoke", "after-the-receiver", new { steps = 1 });
        await host.WaitForRunsAsync(r => r.Any(x => x.SourceKey == "acme:after-the-receiver" && x.Status == RunStatus.Completed));
    }

    [Fact]
    public async Task AMessageThatIsNoEvent_GoesToTheDeadLetterSubjectAtOnce_WithTheReason()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var host = await OrchestratorHost.StartAsync(scope, schema);

        await OrchestratorHost.PublishAsync(scope, "acme", "smoke", "broken", new { }, replaceHeaders: new NatsHeaders { ["Helix-Source"] = "acme" });

        var letter = (await OrchestratorHost.DeadLettersAsync(scope, atLeastOne: true))[0];
        Assert.Equal("not a Helix webhook event: header Helix-Event-Type is missing", letter.Headers![DeadLetterHeaders.Reason].ToString());
        Assert.Equal("1", letter.Headers[DeadLetterHeaders.Deliveries].ToString());
        Assert.Empty(await host.Store.ListAsync(new RunQuery(), Ct));
    }

    [Fact]
    public async Task AnEnvelopeWithANumberTooLargeForALength_IsDeadLetteredAtOnce_NotLost()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var host = await OrchestratorHost.StartAsync(scope, schema);
        var delivery = new WebhookEvent { Source = "acme", EventType = "smoke", DeliveryId = "huge-length", ReceivedAt = DateTimeOffset.UtcNow, BodyLength = 2 };
        var headers = delivery.ToHeaders();
        headers[EventHeaders.BodyLength] = "99999999999999999999"; // a length no long holds

        await OrchestratorHost.PublishAsync(scope, "acme", "smoke", "huge-length", new { }, replaceHeaders: headers);

        var letter = (await OrchestratorHost.DeadLettersAsync(scope, atLeastOne: true))[0];
        Assert.Equal("not a Helix webhook event: Helix-Body-Length is not a length in bytes", letter.Headers![DeadLetterHeaders.Reason].ToString());
        Assert.Equal("1", letter.Headers[DeadLetterHeaders.Deliveries].ToString());
        await OrchestratorHost.WaitUntilAcknowledgedAsync(scope);
    }

    [Fact]
    public async Task DeliveriesUsedUpWithoutAnOutcome_EndInADeadLetter_NotInAnEventNoLongerDelivered()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        var settings = new Dictionary<string, string?> { ["Orchestrator:MaxDeliveries"] = "2" };
        await (await OrchestratorHost.StartAsync(scope, schema, settings)).DisposeAsync(); // the durable consumer exists, nobody consumes
        var consumer = await scope.JetStream.GetConsumerAsync(scope.StreamName, $"{scope.StreamName}_orchestrator", Ct);
        for (var i = 0; i < 400 && consumer.Info.NumWaiting > 0; i++)
        {
            // The stopped worker's last pull request lingers on the server until it expires; it would take a delivery.
            await Task.Delay(100, Ct);
            await consumer.RefreshAsync(Ct);
        }
        await OrchestratorHost.PublishAsync(scope, "acme", "smoke", "used-up", new { });

        // The whole budget taken by deliveries that end without an outcome, as when the service is killed handling them.
        for (var i = 0; i < 2; i++)
        {
            var taken = await consumer.NextAsync<byte[]>(cancellationToken: Ct) ?? throw new InvalidOperationException("the event was not delivered");
            await taken.NakAsync(cancellationToken: Ct);
        }
        await using var host = await OrchestratorHost.StartAsync(scope, schema, settings);

        var letter = (await OrchestratorHost.DeadLettersAsync(scope, atLeastOne: true))[0];
        Assert.True(int.Parse(letter.Headers![DeadLetterHeaders.Deliveries].ToString(), System.Globalization.CultureInfo.InvariantCulture) >= 3);
        Assert.Matches(@"^delivered \d+ times without an outcome \(budget 2\)", letter.Headers[DeadLetterHeaders.Reason].ToString());
        Assert.Equal("used-up", letter.Headers[EventHeaders.DeliveryId].ToString());
        await OrchestratorHost.WaitUntilAcknowledgedAsync(scope);
    }

    [Fact]
    public async Task AnEventTheDatabaseCannotStore_IsDeadLetteredOnItsFirstDelivery_WithTheReason()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var host = await OrchestratorHost.StartAsync(scope, schema);

        // Valid JSON a provider may send; PostgreSQL's jsonb cannot hold a NUL character.
        await OrchestratorHost.PublishAsync(scope, "acme", "smoke", "nul-body", new { note = "a\u0000b" });

        var letter = (await OrchestratorHost.DeadLettersAsync(scope, atLeastOne: true))[0];
        Assert.Equal("1", letter.Headers![DeadLetterHeaders.Deliveries].ToString());
        Assert.StartsWith("PostgresException: 22P05", letter.Headers[DeadLetterHeaders.Reason].ToString(), StringComparison.Ordinal); // untranslatable character
        Assert.Empty(await host.Store.ListAsync(new RunQuery(), Ct));
    }

    [Fact]
    public async Task APoisonEvent_IsRetried_ThenDeadLetteredAfterMaxDeliveries_WithTheReason()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var host = await OrchestratorHost.StartAsync(scope, schema, new Dictionary<string, string?>
        {
            ["Orchestrator:MaxDeliveries"] = "3",
            ["Orchestrator:RedeliveryDelay"] = "00:00:00.050",
        });
        // The event's large body was to be in the bodies bucket, but it is not there: every delivery fails.
        var delivery = new WebhookEvent
        {
            Source = "acme", EventType = "smoke", DeliveryId = "lost-body", ReceivedAt = DateTimeOffset.UtcNow,
            BodyLength = 10 << 20, BodyReference = "missing-object",
        };
        await OrchestratorHost.PublishAsync(scope, "acme", "smoke", "lost-body", null, replaceHeaders: delivery.ToHeaders());

        var letter = (await OrchestratorHost.DeadLettersAsync(scope, atLeastOne: true))[0];
        Assert.Equal("3", letter.Headers![DeadLetterHeaders.Deliveries].ToString());
        Assert.Contains("(after 3 deliveries)", letter.Headers[DeadLetterHeaders.Reason].ToString(), StringComparison.Ordinal);
        Assert.Equal("lost-body", letter.Headers[EventHeaders.DeliveryId].ToString());
        await OrchestratorHost.WaitUntilAcknowledgedAsync(scope);
    }

    [Fact]
    public async Task AnEventWhoseRunFails_IsDeadLetteredWithTheRunsError()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var host = await OrchestratorHost.StartAsync(scope, schema);
        await using (var drop = schema.Direct.CreateCommand($"DROP TABLE {schema.Table("smoke_effects")}"))
        {
            await drop.ExecuteNonQueryAsync(Ct); // every step's write now fails for good
        }

        await OrchestratorHost.PublishAsync(scope, "acme", "smoke", "doomed", new { });

        var letter = (await OrchestratorHost.DeadLettersAsync(scope, atLeastOne: true))[0];
        Assert.Contains("node 'step' (step) failed", letter.Headers![DeadLetterHeaders.Reason].ToString(), StringComparison.Ordinal);
        var runId = Guid.Parse(letter.Headers[DeadLetterHeaders.RunId].ToString());
        Assert.Equal(RunStatus.Failed, (await host.Store.GetAsync(runId, Ct))!.Status);
    }

    [Fact]
    public async Task TheApi_StartsListsAndShowsRuns_ResumesCancelsAndReplays_AndRefusesWhatItCannotDo()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var host = await OrchestratorHost.StartAsync(scope, schema);

        using var started = await host.Client.PostAsJsonAsync(new Uri("/v1/runs", UriKind.Relative), new { workflow = "smoke", input = new { steps = 4 } }, Ct);
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
        await host.WaitForRunsAsync(r => r.Any(x => x.Id == id && x.Status == RunStatus.Completed));

        var shown = await host.GetJsonAsync($"/v1/runs/{id}");
        Assert.Equal("completed", shown.GetProperty("run").GetProperty("status").GetString());
        Assert.Equal(4, shown.GetProperty("state").GetProperty("done").GetInt32());
        Assert.Equal(5, shown.GetProperty("steps").GetArrayLength()); // step 0 (the start) and four
        Assert.Equal("""[["done",2]]""", shown.GetProperty("steps")[2].GetProperty("tasks")[0].GetProperty("writes").GetRawText());
        var listed = await host.GetJsonAsync("/v1/runs?workflow=smoke&status=completed");
        Assert.Equal(id, listed.GetProperty("runs")[0].GetProperty("id").GetGuid());

        using (var replay = await host.Client.PostAsync(new Uri($"/v1/runs/{id}/replay?step=2", UriKind.Relative), null, Ct))
        {
            Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
            var fork = (await replay.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetGuid();
            var runs = await host.WaitForRunsAsync(r => r.Any(x => x.Id == fork && x.Status == RunStatus.Completed));
            Assert.Equal((id, 2), (runs.Single(r => r.Id == fork).ParentId!.Value, runs.Single(r => r.Id == fork).ParentStep!.Value));
        }

        async Task Refused(Task<HttpResponseMessage> send, HttpStatusCode status, string reason)
        {
            using var response = await send;
            Assert.Equal(status, response.StatusCode);
            Assert.Contains(reason, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
        }
        await Refused(host.Client.PostAsync(new Uri($"/v1/runs/{id}/resume", UriKind.Relative), null, Ct), HttpStatusCode.Conflict, "only an interrupted run resumes");
        await Refused(host.Client.PostAsync(new Uri($"/v1/runs/{id}/cancel", UriKind.Relative), null, Ct), HttpStatusCode.Conflict, "is completed already");
        await Refused(host.Client.PostAsync(new Uri($"/v1/runs/{Guid.NewGuid()}/cancel", UriKind.Relative), null, Ct), HttpStatusCode.NotFound, "no run");
        await Refused(host.Client.PostAsync(new Uri($"/v1/runs/{id}/replay?step=99", UriKind.Relative), null, Ct), HttpStatusCode.NotFound, "has no committed step 99");
        await Refused(host.Client.PostAsJsonAsync(new Uri("/v1/runs", UriKind.Relative), new { workflow = "nope" }, Ct), HttpStatusCode.NotFound, "no workflow named 'nope' (known: research, smoke)");
        await Refused(host.Client.PostAsJsonAsync(new Uri("/v1/runs", UriKind.Relative), new { workflow = "smoke", input = new { bogus = 1 } }, Ct), HttpStatusCode.UnprocessableEntity,
            "does not fit the workflow's state");
        await Refused(host.Client.GetAsync(new Uri("/v1/runs?status=odd", UriKind.Relative), Ct), HttpStatusCode.BadRequest, "status is one of");
    }

    [Fact]
    public async Task ARouteToAnUnknownWorkflow_StopsStartUp_NamingTheKey()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        var error = await Assert.ThrowsAnyAsync<Exception>(() => OrchestratorHost.StartAsync(scope, schema, new Dictionary<string, string?> { ["Orchestrator:Routes:0:Workflow"] = "reserch" }));
        Assert.Contains("Configuration key 'Orchestrator:Routes:0:Workflow': no workflow named 'reserch'", error.Message, StringComparison.Ordinal);
    }
}
