using Helix.Orchestrator.Configuration;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Helix.Orchestrator.Nodes;

/// <summary>
/// The nodes' cache in Redis. Only a cache: when Redis is away, a lookup misses and a store is
/// skipped (logged), and the node does the work.
/// </summary>
internal sealed partial class Cache(Lazy<IConnectionMultiplexer> redis, IOptions<RedisOptions> options, ILogger<Cache> logger)
{
    private readonly string _prefix = options.Value.KeyPrefix;

    public async Task<string?> GetAsync(string key)
    {
        try
        {
            var value = await redis.Value.GetDatabase().StringGetAsync(_prefix + key).ConfigureAwait(false);
            return value.HasValue ? value.ToString() : null;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogUnavailable(logger, e);
            return null;
        }
    }

    public async Task SetAsync(string key, string value, TimeSpan ttl)
    {
        try
        {
            await redis.Value.GetDatabase().StringSetAsync(_prefix + key, value, ttl).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogUnavailable(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Redis cache is unavailable; working without it")]
    private static partial void LogUnavailable(ILogger logger, Exception exception);
}
