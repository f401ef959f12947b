using System.Net;
using Helix.Orchestrator.Nodes;
using Helix.Testing;
using Helix.Workflows;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Helix.Orchestrator.Tests;

public sealed record Verdict
{
    public string Label { get; init; } = "";

    public double Confidence { get; init; }
}

/// <summary>
/// The built-in nodes inside the real service: the model through an Ollama contract stub and the
/// harness's real Redis; the browser through a Steel contract stub and the harness's real
/// Chromium, on pages the test serves; partner calls against a local server.
/// </summary>
[Collection(NodeDependency.Name)]
public sealed class NodeTests(PostgresFixture postgres, NatsFixture nats, ChromiumFixture chromium)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static LlmRequest Ask(string text) => new() { Messages = [new("system", "Be brief."), new("user", text)], Temperature = 0.2f };

    [Fact]
    public async Task TheModel_IsStreamedThroughIChatClient_WithKeepAlive_AndItsAnswersAreCached()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var ollama = await OllamaStub.StartAsync();
        await using var host = await OrchestratorHost.StartAsync(scope, schema, new Dictionary<string, string?> { ["Ollama:Url"] = ollama.Url.ToString(), ["Ollama:KeepAlive"] = "45m" });
        var model = host.Services.GetRequiredService<LanguageModel>();

        var first = await model.CompleteAsync(Ask("what is durable execution"), Ct);
        var again = await model.CompleteAsync(Ask("what is durable execution"), Ct);
        var other = await model.CompleteAsync(Ask("something else"), Ct);

        Assert.Equal("echo: what is durable execution", first);
        Assert.Equal(first, again);
        Assert.Equal("echo: something else", other);
        Assert.Equal(2, ollama.Requests.Count); // the repeat came from Redis
        var request = ollama.Requests[0];
        Assert.Equal("llama3.2:3b", request.GetProperty("model").GetString());
        Assert.True(request.GetProperty("stream").GetBoolean());
        Assert.Equal("45m", request.GetProperty("keep_alive").GetString());
        Assert.Equal(0.2, request.GetProperty("options").GetProperty("temperature").GetDouble(), 3);
        Assert.Equal(["system", "user"], request.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("role").GetString()));
    }

    [Fact]
    public async Task StructuredOutput_SendsTheSchema_AndReadsTheAnswerBack()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var ollama = await OllamaStub.StartAsync();
        ollama.Respond = _ => OllamaStub.Stream(["{\"label\":", "\"positive\",", "\"confidence\":0.91}"]);
        await using var host = await OrchestratorHost.StartAsync(scope, schema, new Dictionary<string, string?> { ["Ollama:Url"] = ollama.Url.ToString(), ["Ollama:CacheFor"] = "00:00:00" });

        var verdict = await host.Services.GetRequiredService<LanguageModel>().CompleteAsync<Verdict>(Ask("classify: great service"), Ct);

        Assert.Equal(new Verdict { Label = "positive", Confidence = 0.91 }, verdict);
        var format = ollama.Requests[0].GetProperty("format");
        Assert.Equal("object", format.GetProperty("type").GetString());
        Assert.True(format.GetProperty("properties").TryGetProperty("label", out _));
    }

    [Theory]
    [InlineData(503, "server busy, please try again.  maximum pending requests exceeded", true)]
    [InlineData(500, "llama runner process has terminated: signal: killed", true)]
    [InlineData(404, "model \"nope\" not found, try pulling it first", false)]
    public async Task OllamasErrors_AreRetryableOrFinal_AsTheyShouldBe(int status, string message, bool transient)
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var ollama = await OllamaStub.StartAsync();
        ollama.Respond = _ => OllamaStub.Error(status, message);
        await using var host = await OrchestratorHost.StartAsync(scope, schema, new Dictionary<string, string?> { ["Ollama:Url"] = ollama.Url.ToString() });

        var error = await Assert.ThrowsAsync<LanguageModelException>(() => host.Services.GetRequiredService<LanguageModel>().CompleteAsync(Ask("hi"), Ct));

        Assert.Equal(transient, error.IsTransient);
        Assert.Equal(transient, RetryPolicy.IsTransient(error));
    }

    [Fact]
    public async Task AnErrorLineInsideAStream_FailsTheCall_AsRetryable_AndIsNotCached()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var ollama = await OllamaStub.StartAsync();
        ollama.Respond = _ => OllamaStub.Stream(["Partial", " answer"], errorLine: "an error was encountered while running the model: unexpected EOF");
        await using var host = await OrchestratorHost.StartAsync(scope, schema, new Dictionary<string, string?> { ["Ollama:Url"] = ollama.Url.ToString() });
        var model = host.Services.GetRequiredService<LanguageModel>();

        var error = await Assert.ThrowsAsync<LanguageModelException>(() => model.CompleteAsync(Ask("hi"), Ct));
        Assert.True(error.IsTransient);
        Assert.Contains("unexpected EOF", error.Message, StringComparison.Ordinal);

        ollama.Respond = _ => OllamaStub.Stream(["Whole", " answer"]);
        Assert.Equal("Whole answer", await model.CompleteAsync(Ask("hi"), Ct)); // the failure was not cached
    }

    [Fact]
    public async Task TheBrowser_LeasesASteelSession_ReadsThePageInChromium_AndAlwaysReleasesIt()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var steel = await SteelStub.StartAsync(chromium.CdpUrl);
        await using var site = await TestHttpServer.StartAsync(app =>
        {
            app.MapGet("/article", () => Results.Content("""
                <html><head><title>Durable execution</title></head><body>
                <nav>menu</nav><main id="story">Checkpoints make workflows survive crashes.</main>
                <script>setTimeout(() => { const p = document.createElement('p'); p.id = 'late'; p.textContent = 'Rendered late.'; document.body.appendChild(p); }, 300);</script>
                </body></html>
                """, "text/html"));
        }, Ct);
        await using var host = await OrchestratorHost.StartAsync(scope, schema, new Dictionary<string, string?>
        {
            ["Steel:Url"] = steel.Url.ToString(),
            ["Steel:Proxy"] = "http://proxy.partner.example:3128",
        });
        var browser = host.Services.GetRequiredService<WebBrowser>();

        var page = await browser.ReadAsync(new BrowseRequest { Url = new Uri(site.BaseAddress, "/article"), Screenshot = true }, Ct);
        var late = await browser.ReadAsync(new BrowseRequest { Url = new Uri(site.BaseAddress, "/article"), Selector = "#late" }, Ct);
        var cached = await browser.ReadAsync(new BrowseRequest { Url = new Uri(site.BaseAddress, "/article"), Screenshot = true }, Ct);

        Assert.Equal("Durable execution", page.Title);
        Assert.Equal(200, page.Status);
        Assert.Contains("Checkpoints make workflows survive crashes.", page.Text, StringComparison.Ordinal);
        Assert.StartsWith("iVBORw0KGgo", page.Screenshot, StringComparison.Ordinal); // a PNG
        Assert.Equal("Rendered late.", late.Text);
        Assert.Equal(page, cached);
        Assert.Equal(2, steel.Created.Count); // the third read came from Redis
        Assert.Equal(steel.Created.Order(), steel.Released.Order());
        Assert.Equal("http://proxy.partner.example:3128/", steel.LastCreateBody!.Value.GetProperty("proxyUrl").GetString());

        // A page that cannot be reached fails the read (retryable), and the session is released all the same.
        await Assert.ThrowsAsync<TimeoutException>(() => browser.ReadAsync(new BrowseRequest { Url = new Uri("http://127.0.0.1:9/"), Timeout = TimeSpan.FromSeconds(5) }, Ct));
        Assert.Equal(3, steel.Released.Count);
    }

    [Fact]
    public async Task APartnerCall_IsRetriedThroughTheResiliencePipeline_WithOneIdempotencyKey()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        var keys = new List<string>();
        await using var partner = await TestHttpServer.StartAsync(app => app.MapPost("/charges", (HttpContext context) =>
        {
            keys.Add(context.Request.Headers["Idempotency-Key"].ToString());
            return keys.Count < 3 ? Results.StatusCode(503) : Results.Json(new { id = "ch_1" });
        }), Ct);
        await using var host = await OrchestratorHost.StartAsync(scope, schema);
        var api = host.Services.GetRequiredService<PartnerApi>();
        var context = NodeContextFor(host);

        using var response = await api.SendAsync(context, new HttpRequestMessage(HttpMethod.Post, new Uri(partner.BaseAddress, "/charges")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, keys.Count);
        Assert.Single(keys.Distinct());
        Assert.Equal(context.IdempotencyKey, keys[0]);
    }

    private static NodeContext NodeContextFor(OrchestratorHost host) =>
        new(Guid.NewGuid(), 3, "charge", 1, null, null, host.Services.GetRequiredService<Npgsql.NpgsqlDataSource>(), host.Services, CancellationToken.None);
}
