using Helix.Testing;
using Helix.Workflows;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Helix.Orchestrator.Tests;

/// <summary>
/// The reference workflow end to end: an enqueued webhook event with URLs; every page browsed in
/// the harness's Chromium through a Steel session, summarized by the model (Ollama contract stub),
/// the summaries combined, the report stored in PostgreSQL, every step durable.
/// </summary>
[Collection(NodeDependency.Name)]
public sealed class ResearchTests(PostgresFixture postgres, NatsFixture nats, ChromiumFixture chromium)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly string[] OneUrl = ["https://example.com"];

    [Fact]
    public async Task AResearchEvent_BrowsesEveryUrl_SummarizesEachPage_AndStoresOneReport()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var ollama = await OllamaStub.StartAsync();
        ollama.Respond = text => OllamaStub.Stream(OllamaStub.Words(text.StartsWith("Question: Why checkpoint?\n\nSources:", StringComparison.Ordinal)
            ? "Checkpoints let runs survive crashes [1] and resume where they stopped [2]."
            : $"Summary of {text.Split('\n')[2]}"));
        await using var steel = await SteelStub.StartAsync(chromium.CdpUrl);
        await using var site = await TestHttpServer.StartAsync(app =>
        {
            app.MapGet("/a", () => Results.Content("<html><head><title>Crashes</title></head><body>Workflows crash; checkpoints survive.</body></html>", "text/html"));
            app.MapGet("/b", () => Results.Content("<html><head><title>Resume</title></head><body>A resumed run starts from its last step.</body></html>", "text/html"));
        }, Ct);
        await using var host = await OrchestratorHost.StartAsync(scope, schema, new Dictionary<string, string?>
        {
            ["Orchestrator:Routes:1:Source"] = "acme",
            ["Orchestrator:Routes:1:EventType"] = "research.requested",
            ["Orchestrator:Routes:1:Workflow"] = "research",
            ["Ollama:Url"] = ollama.Url.ToString(),
            ["Steel:Url"] = steel.Url.ToString(),
        });
        var urls = new[] { new Uri(site.BaseAddress, "/a").ToString(), new Uri(site.BaseAddress, "/b").ToString() };

        await OrchestratorHost.PublishAsync(scope, "acme", "research.requested", "research-1", new { question = "Why checkpoint?", urls });

        var runs = await host.WaitForRunsAsync(r => r.Any(x => RunStatus.IsTerminal(x.Status)));
        var run = Assert.Single(runs);
        Assert.True(run.Status == RunStatus.Completed, run.Error);
        Assert.Equal("Checkpoints let runs survive crashes [1] and resume where they stopped [2].", run.Output!["report"]!.GetValue<string>());
        Assert.Equal(["Summary of Page: Crashes (" + urls[0] + ")", "Summary of Page: Resume (" + urls[1] + ")"],
            run.Output["summaries"]!.AsArray().Select(s => s!["summary"]!.GetValue<string>()));
        Assert.Equal(3, ollama.Requests.Count); // two pages, one report
        Assert.Equal(2, steel.Released.Count);
        await using var stored = schema.Direct.CreateCommand($"SELECT question, report, sources::text FROM {schema.Table("research_results")} WHERE run_id = $1");
        stored.Parameters.Add(new Npgsql.NpgsqlParameter { Value = run.Id });
        await using var reader = await stored.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        Assert.Equal("Why checkpoint?", reader.GetString(0));
        Assert.StartsWith("Checkpoints let runs", reader.GetString(1), StringComparison.Ordinal);
        Assert.Contains("/b", reader.GetString(2), StringComparison.Ordinal);
        Assert.False(await reader.ReadAsync(Ct));
        var steps = await host.Store.StepsAsync(run.Id, Ct);
        Assert.Equal(["plan", "browse", "summarize", "combine", "store"], steps.Skip(1).Select(s => s.Tasks[0].Node));
    }

    [Fact]
    public async Task AResearchRequestWithoutAQuestion_FailsWithTheReason_AndIsDeadLettered()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var host = await OrchestratorHost.StartAsync(scope, schema, new Dictionary<string, string?>
        {
            ["Orchestrator:Routes:1:Source"] = "acme",
            ["Orchestrator:Routes:1:EventType"] = "research.requested",
            ["Orchestrator:Routes:1:Workflow"] = "research",
        });

        await OrchestratorHost.PublishAsync(scope, "acme", "research.requested", "research-bad", new { urls = OneUrl });

        var run = Assert.Single(await host.WaitForRunsAsync(r => r.Any(x => x.Status == RunStatus.Failed)));
        Assert.Contains("the research request has no question", run.Error, StringComparison.Ordinal);
        Assert.Contains("failed after 1 attempt(s)", run.Error, StringComparison.Ordinal); // no retry for a bad request
        var consumer = await scope.JetStream.CreateOrUpdateConsumerAsync($"{scope.StreamName}_DEADLETTER", new ConsumerConfig("reader") { AckPolicy = ConsumerConfigAckPolicy.None }, Ct);
        var letters = 0;
        for (var i = 0; i < 50 && letters == 0; i++)
        {
            await foreach (var _ in consumer.FetchNoWaitAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = 1 }, cancellationToken: Ct))
            {
                letters++;
            }
            await Task.Delay(100, Ct);
        }
        Assert.Equal(1, letters);
    }
}
