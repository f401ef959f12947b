using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Helix.Testing;

/// <summary>
/// A real HTTP server on a free loopback port, for pages a browser loads, targets Prometheus
/// scrapes, and contract tests that replay an outside service's recorded responses.
/// </summary>
public sealed class TestHttpServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestHttpServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary><c>host:port</c>, as a Prometheus target is written.</summary>
    public string HostAndPort => $"{BaseAddress.Host}:{BaseAddress.Port}";

    public static async Task<TestHttpServer> StartAsync(Action<WebApplication> map, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(map);
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        map(app);
        await app.StartAsync(cancellationToken);
        return new TestHttpServer(app, AddressOf(app));
    }

    /// <summary>Where a started app listens: the port Kestrel picked for <c>http://127.0.0.1:0</c>.</summary>
    public static Uri AddressOf(WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single());
    }

    public Uri Url(string relative) => new(BaseAddress, relative);

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
