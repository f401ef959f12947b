using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Helix.Testing;

namespace Helix.Orchestrator.Tests;

/// <summary>The runs API answers hostile-but-plausible requests with the right 4xx and a reason, never a 500, and stores nothing for them.</summary>
[Collection(ServiceDependency.Name)]
public sealed class ApiTests(PostgresFixture postgres, NatsFixture nats)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Uri Runs => new("/v1/runs", UriKind.Relative);

    private static async Task Refused(HttpResponseMessage response, HttpStatusCode status, string reason)
    {
        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(Ct);
            Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(body);
            Assert.Contains(reason, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    [Fact]
    public async Task ABodyThatIsNotJson_Is415_WhateverItClaimsToBe()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var host = await OrchestratorHost.StartAsync(scope, schema);
        const string Body = """{"workflow":"smoke","input":{}}""";

        await Refused(await host.Client.PostAsync(Runs, new StringContent(Body, Encoding.UTF8, "text/plain"), Ct), HttpStatusCode.UnsupportedMediaType, "Content-Type: application/json");
        using var bare = new ByteArrayContent(Encoding.UTF8.GetBytes(Body));
        await Refused(await host.Client.PostAsync(Runs, bare, Ct), HttpStatusCode.UnsupportedMediaType, "the body is JSON");
        await Refused(await host.Client.PostAsync(Runs, new FormUrlEncodedContent([new("workflow", "smoke")]), Ct), HttpStatusCode.UnsupportedMediaType, "the body is JSON");
        var resume = new Uri($"/v1/runs/{Guid.NewGuid()}/resume", UriKind.Relative);
        await Refused(await host.Client.PostAsync(resume, new StringContent("approve", Encoding.UTF8, "text/plain"), Ct), HttpStatusCode.UnsupportedMediaType, "{\"value\": ...}");
        Assert.Empty(await host.Store.ListAsync(new(), Ct));
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("1")]
    [InlineData("\"approve\"")]
    [InlineData("null")]
    public async Task AResumeBodyThatIsNotAnObject_Is400(string body)
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var host = await OrchestratorHost.StartAsync(scope, schema);

        await Refused(await host.Client.PostAsync(new Uri($"/v1/runs/{Guid.NewGuid()}/resume", UriKind.Relative), Json(body), Ct), HttpStatusCode.BadRequest, "the body is a JSON object");
    }

    [Theory]
    [InlineData("""{"workflow":"smoke","input":{"note":"a\u0000b"}}""", "input.note holds a NUL character")]
    [InlineData("""{"workflow":"smoke","input":{"note":"a\ud800b"}}""", "input.note is not Unicode text")]
    [InlineData("""{"workflow":"smoke","input":{"list":["ok","\udc00"]}}""", "input.list[1] is not Unicode text")]
    [InlineData("""{"workflow":"smoke","input":{"a\u0000":1}}""", "input (a key) holds a NUL character")]
    public async Task TextTheRunStoreCannotKeep_Is422_NamingWhere(string body, string reason)
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var host = await OrchestratorHost.StartAsync(scope, schema);

        await Refused(await host.Client.PostAsync(Runs, Json(body), Ct), HttpStatusCode.UnprocessableEntity, reason);
        Assert.Empty(await host.Store.ListAsync(new(), Ct));
    }

    [Fact]
    public async Task IdempotencyKeys_SameRequestSameRun_AnotherRequestIs409_AndTheyNeverNameAnEventsRun()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var host = await OrchestratorHost.StartAsync(scope, schema);
        async Task<HttpResponseMessage> Start(string? key, object body)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, Runs) { Content = JsonContent.Create(body) };
            if (key is not null)
            {
                request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
            }
            return await host.Client.SendAsync(request, Ct);
        }
        async Task<string> IdOf(HttpResponseMessage response)
        {
            using (response)
            {
                Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                return (await response.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("id").GetString()!;
            }
        }

        var first = await IdOf(await Start("order-42", new { workflow = "smoke", input = new { steps = 2, done = 0 } }));
        var again = await IdOf(await Start("order-42", new { input = new { done = 0, steps = 2 }, workflow = "smoke" })); // the same request, written in another order
        await Refused(await Start("order-42", new { workflow = "smoke", input = new { steps = 3 } }), HttpStatusCode.Conflict, "Idempotency-Key was used for run");
        await Refused(await Start("", new { workflow = "smoke" }), HttpStatusCode.BadRequest, "Idempotency-Key is empty");
        await Refused(await Start(new string('k', 6000), new { workflow = "smoke" }), HttpStatusCode.BadRequest, "at most 200");

        // An event's run is keyed by its message id ({source}:{delivery id}); a client key of that text is another run.
        await OrchestratorHost.PublishAsync(scope, "acme", "smoke", "evt-7", new { });
        var eventRun = (await host.WaitForRunsAsync(runs => runs.Any(r => r.SourceKey == "acme:evt-7"))).Single(r => r.SourceKey == "acme:evt-7");
        var client = await IdOf(await Start("acme:evt-7", new { workflow = "smoke" }));

        Assert.Equal(first, again);
        Assert.NotEqual(eventRun.Id.ToString(), client);
    }

    [Fact]
    public async Task HugeBodies_BadQueries_AndUnknownPaths_Get4xxProblems_NotA500()
    {
        await using var scope = nats.CreateScope();
        await using var schema = await postgres.CreateSchemaAsync(Ct);
        await using var host = await OrchestratorHost.StartAsync(scope, schema);

        var huge = "{\"workflow\":\"smoke\",\"input\":{\"note\":\"" + new string('x', 2 << 20) + "\"}}";
        // As curl sends a large body: the 413 comes before the body is sent, so no connection reset races the answer.
        using (var tooLarge = new HttpRequestMessage(HttpMethod.Post, Runs) { Content = Json(huge) })
        {
            tooLarge.Headers.ExpectContinue = true;
            await Refused(await host.Client.SendAsync(tooLarge, Ct), HttpStatusCode.RequestEntityTooLarge, "larger than 1048576 bytes");
        }
        await Refused(await host.Client.GetAsync(new Uri("/v1/runs?workflow=%00", UriKind.Relative), Ct), HttpStatusCode.BadRequest, "workflow is a workflow's name");
        using var malformed = await host.Client.GetAsync(new Uri("/v1/runs/not-a-guid", UriKind.Relative), Ct);
        Assert.Equal(HttpStatusCode.NotFound, malformed.StatusCode);
        Assert.Equal("application/problem+json", malformed.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await host.Store.ListAsync(new(), Ct));
    }
}
