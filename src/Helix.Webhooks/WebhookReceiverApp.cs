using Helix.Events;
using Helix.Hosting;
using Helix.Webhooks.Configuration;
using Microsoft.Extensions.Options;
using NATS.Client.Core;

namespace Helix.Webhooks;

/// <summary>Builds the Webhook Receiver; <c>Program</c> runs it, tests start it on a loopback port.</summary>
public static class WebhookReceiverApp
{
    public const string ServiceName = "webhook-receiver";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.AddHelixServiceDefaults(ServiceName);
        configure?.Invoke(builder);

        builder.Services.AddValidatedOptions<ReceiverOptions>(ReceiverOptions.Section);
        builder.Services.AddValidatedOptions<EventStreamOptions>(EventStreamOptions.Section);
        builder.Services.AddValidatedOptions<NatsOptions>(NatsOptions.Section);

        // Header and data-rate limits are the service defaults'; the real body limit is per source,
        // set on each request before its body is read.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Limits.MaxRequestBodySize = 64L << 20);

        builder.Services.AddSingleton<INatsConnection>(sp => NatsConnections.Create(sp.GetRequiredService<IOptions<NatsOptions>>().Value, ServiceName));
        builder.Services.AddSingleton<StreamReadiness>();
        builder.Services.AddHostedService<StreamProvisioner>();
        builder.Services.AddHealthChecks().AddCheck<StreamReadiness>("nats", tags: [ServiceDefaults.ReadyTag]);
        builder.Services.AddSingleton<WebhookSources>();
        builder.Services.AddSingleton<EventPublisher>();
        builder.Services.AddSingleton<ReceiverMetrics>();
        builder.Services.AddSingleton<WebhookEndpoint>();

        var app = builder.Build();
        // Resolve secrets and decode keys now: a bad secret must stop start-up, not the first delivery.
        _ = app.Services.GetRequiredService<WebhookSources>();
        app.MapHelixDefaultEndpoints();
        WebhookEndpoint.Map(app);
        return app;
    }
}
