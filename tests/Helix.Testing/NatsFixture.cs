using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Net;

namespace Helix.Testing;

/// <summary>nats-server with JetStream; each test gets a unique stream name and subject prefix.</summary>
public sealed class NatsFixture : IAsyncDisposable
{
    private NatsClient? _client;

    public NatsClient Client => _client ??= new NatsClient(new NatsOpts
    {
        Url = TestEnvironment.Require("HELIX_TEST_NATS_URL", "NATS"),
        Name = "helix-tests",
        ConnectTimeout = TimeSpan.FromSeconds(5),
    });

    public NatsTestScope CreateScope()
    {
        var name = TestEnvironment.UniqueName("T").ToUpperInvariant();
        return new NatsTestScope(name, name.ToLowerInvariant().Replace('_', '-'), Client);
    }

    public async ValueTask DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.DisposeAsync();
        }
    }
}

public sealed class NatsTestScope(string streamName, string subjectPrefix, NatsClient client) : IAsyncDisposable
{
    /// <summary>A stream name no other test uses.</summary>
    public string StreamName { get; } = streamName;

    /// <summary>A subject prefix no other test uses, such as <c>t-1a2b3c4d5e6f</c>.</summary>
    public string SubjectPrefix { get; } = subjectPrefix;

    public NatsClient Client { get; } = client;

    public INatsJSContext JetStream { get; } = client.CreateJetStreamContext();

    /// <summary>Deletes every stream whose name holds <see cref="StreamName"/>: the test's own and those derived from it (object stores, KV buckets).</summary>
    public async ValueTask DisposeAsync()
    {
        var names = new List<string>();
        await foreach (var name in JetStream.ListStreamNamesAsync())
        {
            if (name.Contains(StreamName, StringComparison.Ordinal))
            {
                names.Add(name);
            }
        }
        foreach (var name in names)
        {
            try
            {
                await JetStream.DeleteStreamAsync(name);
            }
            catch (NatsJSApiException e) when (e.Error.Code == 404)
            {
                // Deleted by the test itself meanwhile.
            }
        }
    }
}
