using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Helix.Webhooks.Load;

/// <summary>H: the cost of HTTP alone on this machine. Reads the whole body, answers 202.</summary>
internal static class BareServer
{
    public static async Task<int> RunAsync(int port, CancellationToken ct)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/bare", async (HttpContext context) =>
        {
            var buffer = new byte[16 << 10];
            while (await context.Request.Body.ReadAsync(buffer, context.RequestAborted) > 0)
            {
            }
            return Results.StatusCode(StatusCodes.Status202Accepted);
        });
        await app.StartAsync(ct);
        await app.WaitForShutdownAsync(ct);
        return 0;
    }
}
