using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;

namespace Helix.Hosting.Tests;

/// <summary>A minimal service built with the Helix defaults, on a real Kestrel socket on loopback.</summary>
internal sealed class TestService : IAsyncDisposable
{
    private TestService(WebApplication app) => App = app;

    public WebApplication App { get; }

    public HttpClient Client { get; } = new();

    public Uri BaseAddress { get; private set; } = null!;

    public static TestService Build(
        IDictionary<string, string?>? settings = null,
        Action<WebApplicationBuilder>? configure = null,
        Action<WebApplication>? map = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Shutdown:DrainDelay"] = "00:00:00",
        });
        if (settings is not null)
        {
            builder.Configuration.AddInMemoryCollection(settings);
        }
        builder.AddHelixServiceDefaults("helix-test");
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapHelixDefaultEndpoints();
        map?.Invoke(app);
        return new TestService(app);
    }

    public async Task<TestService> StartAsync()
    {
        await App.StartAsync(TestContext.Current.CancellationToken);
        BaseAddress = Helix.Testing.TestHttpServer.AddressOf(App);
        Client.BaseAddress = BaseAddress;
        return this;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.DisposeAsync();
    }
}
