using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Helix.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Net;

namespace Helix.Webhooks.Tests;

/// <summary>The real receiver on a loopback port, wired to a real NATS with the test's own stream.</summary>
internal sealed class ReceiverHost : IAsyncDisposable
{
    public const string SourceName = "acme";

    private readonly WebApplication _app;
    private readonly DirectoryInfo _secrets;

    private ReceiverHost(WebApplication app, DirectoryInfo secrets, string streamName, string subjectPrefix, string natsUrl, CapturedLogs logs)
    {
        _app = app;
        _secrets = secrets;
        StreamName = streamName;
        SubjectPrefix = subjectPrefix;
        NatsUrl = natsUrl;
        Logs = logs;
    }

    public HttpClient Client { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public string StreamName { get; }

    public string SubjectPrefix { get; }

    public string NatsUrl { get; }

    public string BodiesBucket => StreamName + "_BODIES";

    public string ReplayBucket => StreamName + "_REPLAY";

    public CapturedLogs Logs { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>The key of the default source, a Standard Webhooks secret.</summary>
    public static byte[] Key { get; } = RandomNumberGenerator.GetBytes(32);

    public static string Secret => "whsec_" + Convert.ToBase64String(Key);

    public static async Task<ReceiverHost> StartAsync(string natsUrl, string streamName, string subjectPrefix, IDictionary<string, string?>? settings = null, bool waitUntilReady = true)
    {
        var secrets = Directory.CreateTempSubdirectory("helix-secrets-");
        var secretFile = Path.Combine(secrets.FullName, "acme");
        await File.WriteAllTextAsync(secretFile, Secret + "\n");

        var logs = new CapturedLogs();
        var config = new Dictionary<string, string?>
        {
            ["Nats:Url"] = natsUrl,
            ["Events:StreamName"] = streamName,
            ["Events:SubjectPrefix"] = subjectPrefix,
            ["Events:BodiesBucket"] = streamName + "_BODIES",
            ["Receiver:ReplayBucket"] = streamName + "_REPLAY",
            ["Events:MaxBytes"] = (256 << 20).ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Receiver:Sources:acme:Scheme"] = "StandardWebhooks",
            ["Receiver:Sources:acme:Secrets:0"] = "file:" + secretFile,
            ["Receiver:PublishTimeout"] = "00:00:02",
            ["Shutdown:DrainDelay"] = "00:00:00",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            config[key] = value?.Replace("{secrets}", secrets.FullName, StringComparison.Ordinal);
        }

        var app = WebhookReceiverApp.Build([], builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Configuration.AddInMemoryCollection(config);
            builder.Services.AddSingleton<ILoggerProvider>(logs);
        });
        await app.StartAsync(TestContext.Current.CancellationToken);
        var host = new ReceiverHost(app, secrets, streamName, subjectPrefix, natsUrl, logs);
        host.Client.BaseAddress = TestHttpServer.AddressOf(app);
        if (waitUntilReady)
        {
            await host.WaitUntilReadyAsync();
        }
        return host;
    }

    public Task WaitUntilReadyAsync() => Readiness.WaitAsync(Client, "receiver", Logs);

    /// <summary>A Standard Webhooks delivery signed with <see cref="Key"/> (or another key) at a given time.</summary>
    public static HttpRequestMessage Signed(string id, string body, DateTimeOffset? at = null, byte[]? key = null, string source = SourceName, string contentType = "application/json")
    {
        var timestamp = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signature = Convert.ToBase64String(HMACSHA256.HashData(key ?? Key, Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}")));
        var request = new HttpRequestMessage(HttpMethod.Post, $"/webhooks/{source}")
        {
            Content = new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue(contentType)),
        };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp);
        request.Headers.Add("webhook-signature", $"v1,{signature}");
        return request;
    }

    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request)
    {
        using (request)
        {
            return await Client.SendAsync(request, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Every message in the test's stream, read back from JetStream.</summary>
    public async Task<List<INatsJSMsg<byte[]>>> ReadStreamAsync()
    {
        await using var client = new NatsClient(NatsUrl);
        var js = client.CreateJetStreamContext();
        var stream = await js.GetStreamAsync(StreamName, cancellationToken: TestContext.Current.CancellationToken);
        var count = (int)stream.Info.State.Messages;
        var messages = new List<INatsJSMsg<byte[]>>();
        if (count == 0)
        {
            return messages;
        }
        var consumer = await js.CreateOrderedConsumerAsync(StreamName, cancellationToken: TestContext.Current.CancellationToken);
        await foreach (var message in consumer.ConsumeAsync<byte[]>(cancellationToken: TestContext.Current.CancellationToken))
        {
            messages.Add(message);
            if (messages.Count == count)
            {
                break;
            }
        }
        return messages;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync(); // a stop, not only a dispose: background services end as they do in a pod
        await _app.DisposeAsync();
        await using (var client = new NatsClient(NatsUrl))
        {
            var js = client.CreateJetStreamContext();
            foreach (var stream in new[] { StreamName, "OBJ_" + BodiesBucket, "KV_" + ReplayBucket })
            {
                try
                {
                    await js.DeleteStreamAsync(stream);
                }
                catch (NatsJSApiException e) when (e.Error.Code == 404)
                {
                }
                catch (NatsException)
                {
                    // A test that killed its dedicated server has nothing left to clean.
                }
            }
        }
        _secrets.Delete(recursive: true);
    }
}
