using Microsoft.Playwright;

namespace Helix.Testing;

/// <summary>
/// The harness's headless Chromium, reached over its DevTools (CDP) port as Steel's browsers are.
/// Tests open their own browser context, so cookies and storage are never shared.
/// </summary>
public sealed class ChromiumFixture : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public string CdpUrl => TestEnvironment.Require("HELIX_TEST_CHROMIUM_CDP_URL", "Chromium");

    public async Task<IBrowserContext> NewContextAsync()
    {
        var url = CdpUrl;
        await _gate.WaitAsync();
        try
        {
            _playwright ??= await Playwright.CreateAsync();
            _browser ??= await _playwright.Chromium.ConnectOverCDPAsync(url, new() { Timeout = 15_000 });
        }
        finally
        {
            _gate.Release();
        }
        return await _browser.NewContextAsync();
    }

    public async ValueTask DisposeAsync()
    {
        // Disconnects; the browser process belongs to scripts/services.sh.
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }
        _playwright?.Dispose();
        _gate.Dispose();
    }
}
