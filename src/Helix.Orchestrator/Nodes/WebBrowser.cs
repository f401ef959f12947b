using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Helix.Hosting;
using Helix.Orchestrator.Configuration;
using Microsoft.Extensions.Options;
using Microsoft.Playwright;

namespace Helix.Orchestrator.Nodes;

/// <summary>What the <c>browse</c> node reads from a page.</summary>
internal sealed record PageRead
{
    public required string Url { get; init; }

    /// <summary>The page's URL after redirects.</summary>
    public required string FinalUrl { get; init; }

    public int? Status { get; init; }

    public string Title { get; init; } = "";

    /// <summary>The visible text of the body (or of <see cref="BrowseRequest.Selector"/>), cut to <see cref="BrowseRequest.MaxTextLength"/>.</summary>
    public string Text { get; init; } = "";

    public string? Html { get; init; }

    /// <summary>A PNG of the viewport, base64, when asked for.</summary>
    public string? Screenshot { get; init; }
}

internal sealed record BrowseRequest
{
    public required Uri Url { get; init; }

    /// <summary>Wait for this selector after loading (a page that renders late), and read only it.</summary>
    public string? Selector { get; init; }

    public bool IncludeHtml { get; init; }

    public bool Screenshot { get; init; }

    public int MaxTextLength { get; init; } = 20_000;

    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The <c>browse</c> node's service: leases a browser session from Steel (its sessions API: create,
/// with an optional proxy; release), drives it over CDP with Playwright
/// (<c>ConnectOverCDPAsync</c>): navigate, wait, extract text, HTML or a screenshot; and always
/// releases the session, whatever happened. Page results are cached in Redis.
/// </summary>
internal sealed partial class WebBrowser(HttpClient steel, IOptions<SteelOptions> options, Cache cache, ILogger<WebBrowser> logger) : IAsyncDisposable
{
    private readonly SteelOptions _options = options.Value;
    private readonly SemaphoreSlim _start = new(1, 1);
    private IPlaywright? _playwright;

    public async Task<PageRead> ReadAsync(BrowseRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = "page:" + Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(request, Helix.Workflows.Workflow.Json)));
        if (_options.CacheFor > TimeSpan.Zero && await cache.GetAsync(key).ConfigureAwait(false) is { } cached)
        {
            return JsonSerializer.Deserialize<PageRead>(cached, Helix.Workflows.Workflow.Json)!;
        }

        var session = await CreateSessionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var playwright = await PlaywrightAsync().ConfigureAwait(false);
            var browser = await playwright.Chromium.ConnectOverCDPAsync(session.WebsocketUrl, new BrowserTypeConnectOverCDPOptions { Timeout = 15_000 }).ConfigureAwait(false);
            try
            {
                var context = browser.Contexts.Count > 0 ? browser.Contexts[0] : await browser.NewContextAsync().ConfigureAwait(false);
                var page = await context.NewPageAsync().ConfigureAwait(false);
                try
                {
                    var timeout = (float)request.Timeout.TotalMilliseconds;
                    var response = await page.GotoAsync(request.Url.ToString(), new PageGotoOptions { WaitUntil = WaitUntilState.Load, Timeout = timeout }).ConfigureAwait(false);
                    ILocator target;
                    if (request.Selector is { } selector)
                    {
                        target = page.Locator(selector).First;
                        await target.WaitForAsync(new LocatorWaitForOptions { Timeout = timeout }).ConfigureAwait(false);
                    }
                    else
                    {
                        target = page.Locator("body");
                    }
                    var text = await target.InnerTextAsync(new LocatorInnerTextOptions { Timeout = timeout }).ConfigureAwait(false);
                    var read = new PageRead
                    {
                        Url = request.Url.ToString(),
                        FinalUrl = page.Url,
                        Status = response?.Status,
                        Title = await page.TitleAsync().ConfigureAwait(false),
                        Text = text.Length > request.MaxTextLength ? text[..request.MaxTextLength] : text,
                        Html = request.IncludeHtml ? await page.ContentAsync().ConfigureAwait(false) : null,
                        Screenshot = request.Screenshot ? Convert.ToBase64String(await page.ScreenshotAsync().ConfigureAwait(false)) : null,
                    };
                    if (_options.CacheFor > TimeSpan.Zero && read.Status is null or < 400)
                    {
                        await cache.SetAsync(key, JsonSerializer.Serialize(read, Helix.Workflows.Workflow.Json), _options.CacheFor).ConfigureAwait(false);
                    }
                    return read;
                }
                finally
                {
                    await page.CloseAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                // Disconnects from the session's browser; Steel owns the process.
                await browser.CloseAsync().ConfigureAwait(false);
            }
        }
        catch (PlaywrightException e)
        {
            throw new TimeoutException($"browsing {request.Url} failed: {e.Message}", e); // retried: pages and sessions flake
        }
        finally
        {
            await ReleaseSessionAsync(session.Id).ConfigureAwait(false);
        }
    }

    private async Task<SteelSession> CreateSessionAsync(CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/sessions")
        {
            Content = JsonContent.Create(new CreateSession(_options.Proxy?.ToString(), (long)_options.SessionTimeout.TotalMilliseconds)),
        };
        Authorize(request);
        using var response = await steel.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var reason = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new HttpRequestException($"Steel refused a session: {(int)response.StatusCode} {reason[..Math.Min(reason.Length, 300)]}", null, response.StatusCode);
        }
        return await response.Content.ReadFromJsonAsync<SteelSession>(cancellationToken).ConfigureAwait(false)
            ?? throw new HttpRequestException("Steel answered a session request with nothing");
    }

    /// <summary>Never throws: a session that cannot be released ends at its timeout anyway.</summary>
    private async Task ReleaseSessionAsync(string id)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"v1/sessions/{Uri.EscapeDataString(id)}/release");
            Authorize(request);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            using var response = await steel.SendAsync(request, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                LogReleaseFailed(logger, id, (int)response.StatusCode, null);
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
        {
            LogReleaseFailed(logger, id, 0, e);
        }
    }

    private void Authorize(HttpRequestMessage request)
    {
        if (_options.ApiKey is { } reference)
        {
            request.Headers.Add("steel-api-key", SecretReference.Resolve(reference));
        }
    }

    private async Task<IPlaywright> PlaywrightAsync()
    {
        await _start.WaitAsync().ConfigureAwait(false);
        try
        {
            return _playwright ??= await Playwright.CreateAsync().ConfigureAwait(false);
        }
        finally
        {
            _start.Release();
        }
    }

    public ValueTask DisposeAsync()
    {
        _playwright?.Dispose();
        _start.Dispose();
        return ValueTask.CompletedTask;
    }

    private sealed record CreateSession(
        [property: JsonPropertyName("proxyUrl"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ProxyUrl,
        [property: JsonPropertyName("timeout")] long Timeout);

    private sealed record SteelSession(
        [property: JsonPropertyName("id")] string Id,
        [property: JsonPropertyName("websocketUrl")] string WebsocketUrl);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not release Steel session {SessionId} (status {Status}); it ends at its timeout")]
    private static partial void LogReleaseFailed(ILogger logger, string sessionId, int status, Exception? exception);
}
