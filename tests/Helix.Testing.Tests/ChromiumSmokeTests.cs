using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Helix.Testing.Tests;

[Collection(ChromiumDependency.Name)]
public sealed class ChromiumSmokeTests(ChromiumFixture chromium)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Cdp_LoadsAPageTheTestServes_AndRunsItsScript()
    {
        const string Html = """
            <!doctype html>
            <html><head><title>helix smoke</title></head>
            <body><p id="out">static</p>
            <script>document.getElementById('out').textContent = 'rendered by ' + (6 * 7);</script>
            </body></html>
            """;
        await using var server = await TestHttpServer.StartAsync(app => app.MapGet("/", () => Results.Content(Html, "text/html")), Ct);

        await using var context = await chromium.NewContextAsync();
        var page = await context.NewPageAsync();
        var response = await page.GotoAsync(server.BaseAddress.ToString());

        Assert.Equal(200, response!.Status);
        Assert.Equal("helix smoke", await page.TitleAsync());
        Assert.Equal("rendered by 42", await page.TextContentAsync("#out"));
    }
}
