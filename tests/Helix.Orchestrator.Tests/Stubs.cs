using System.Collections.Concurrent;
using System.Text.Json;
using Helix.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Helix.Orchestrator.Tests;

/// <summary>
/// Ollama cannot run here: its <c>POST /api/chat</c> answers with streams in the shape of Ollama's
/// published API (newline-delimited JSON chunks, a last chunk with <c>done</c> and the counters),
/// and with its error bodies (<c>{"error": ...}</c>): a 503 when its queue is full, a 404 for an
/// unknown model, and an error line inside a 200 stream. The test sets what comes next.
/// </summary>
internal sealed class OllamaStub : IAsyncDisposable
{
    private readonly ConcurrentQueue<JsonElement> _requests = new();
    private TestHttpServer? _server;

    public Uri Url => _server!.BaseAddress;

    public IReadOnlyList<JsonElement> Requests => [.. _requests];

    /// <summary>What the next chats get: a function of the request's last user message.</summary>
    public Func<string, IResult> Respond { get; set; } = text => Stream(Words($"echo: {text[..Math.Min(40, text.Length)]}"));

    public static async Task<OllamaStub> StartAsync()
    {
        var stub = new OllamaStub();
        stub._server = await TestHttpServer.StartAsync(app => app.MapPost("/api/chat", async (HttpContext context) =>
        {
            using var body = await JsonDocument.ParseAsync(context.Request.Body);
            stub._requests.Enqueue(body.RootElement.Clone());
            var last = body.RootElement.GetProperty("messages").EnumerateArray().Last(m => m.GetProperty("role").GetString() == "user").GetProperty("content").GetString()!;
            return stub.Respond(last);
        }), TestContext.Current.CancellationToken);
        return stub;
    }

    public static IEnumerable<string> Words(string text) => text.Split(' ').Select((w, i) => i == 0 ? w : " " + w);

    /// <summary>A streamed answer as Ollama writes it, chunk by chunk, then the done chunk.</summary>
    public static IResult Stream(IEnumerable<string> chunks, string? errorLine = null) => Results.Stream(async output =>
    {
        await using var writer = new StreamWriter(output);
        foreach (var chunk in chunks)
        {
            await writer.WriteLineAsync(JsonSerializer.Serialize(new
            {
                model = "llama3.2:3b", created_at = "2026-11-26T10:00:00.000000000Z", message = new { role = "assistant", content = chunk }, done = false,
            }));
            await writer.FlushAsync();
        }
        if (errorLine is not null)
        {
            await writer.WriteLineAsync(JsonSerializer.Serialize(new { error = errorLine }));
            return;
        }
        // One NDJSON line, as Ollama ends a stream (recorded; the space after the first comma is JSON whitespace).
        await writer.WriteLineAsync(
            """{"model":"llama3.2:3b","created_at":"2026-11-26T10:00:01.000000000Z","message":{"role":"assistant","content":""},"done_reason":"stop","done":true,"""
            + """ "total_duration":1843000000,"load_duration":25000000,"prompt_eval_count":26,"prompt_eval_duration":130000000,"eval_count":12,"eval_duration":1630000000}""");
    }, "application/x-ndjson");

    public static IResult Error(int status, string message) => Results.Text(JsonSerializer.Serialize(new { error = message }), "application/json", statusCode: status);

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

/// <summary>
/// Steel cannot run here: its sessions API (<c>POST /v1/sessions</c>, <c>POST /v1/sessions/{id}/release</c>)
/// answers in the shape of Steel's API reference, and each session's <c>websocketUrl</c> is the
/// harness's real headless Chromium (its CDP endpoint), as a Steel session's browser would be.
/// </summary>
internal sealed class SteelStub : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _created = new();
    private readonly ConcurrentQueue<string> _released = new();
    private TestHttpServer? _server;

    public Uri Url => _server!.BaseAddress;

    public IReadOnlyList<string> Created => [.. _created];

    public IReadOnlyList<string> Released => [.. _released];

    public JsonElement? LastCreateBody { get; private set; }

    public static async Task<SteelStub> StartAsync(string cdpUrl)
    {
        var stub = new SteelStub();
        stub._server = await TestHttpServer.StartAsync(app =>
        {
            app.MapPost("/v1/sessions", async (HttpContext context) =>
            {
                using var body = await JsonDocument.ParseAsync(context.Request.Body);
                stub.LastCreateBody = body.RootElement.Clone();
                var id = Guid.NewGuid().ToString();
                stub._created.Enqueue(id);
                return Results.Json(new
                {
                    id, createdAt = "2026-11-26T10:00:00.000Z", status = "live", duration = 0, eventCount = 0, timeout = 300000, creditsUsed = 0,
                    websocketUrl = cdpUrl, debugUrl = $"http://steel/v1/sessions/debug?id={id}", sessionViewerUrl = $"http://steel/sessions/{id}",
                    userAgent = "Mozilla/5.0", proxy = "", proxyTxBytes = 0, proxyRxBytes = 0, solveCaptcha = false,
                });
            });
            app.MapPost("/v1/sessions/{id}/release", (string id) =>
            {
                stub._released.Enqueue(id);
                return Results.Json(new { id, status = "released" });
            });
        }, TestContext.Current.CancellationToken);
        return stub;
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
