using System.Security.Cryptography;
using System.Text;
using Helix.Hosting;

namespace Helix.Remediation.Api;

/// <summary>
/// The bearer tokens one sender may present, resolved from their references (several during a
/// rotation). Re-read every half minute, so a rotated Secret applies without a restart; compared in
/// constant time.
/// </summary>
internal sealed class BearerTokens
{
    private static readonly TimeSpan Refresh = TimeSpan.FromSeconds(30);
    private readonly IReadOnlyList<string> _references;
    private readonly TimeProvider _time;
    private byte[][] _tokens;
    private DateTimeOffset _readAt;

    /// <summary>Reads every reference now: a missing secret stops start-up, not the first request.</summary>
    public BearerTokens(IReadOnlyList<string> references, TimeProvider time)
    {
        _references = references;
        _time = time;
        _tokens = Read();
        _readAt = time.GetUtcNow();
    }

    public bool Accepts(string? authorization)
    {
        const string Scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var presented = Encoding.UTF8.GetBytes(authorization[Scheme.Length..].Trim());
        var accepted = false;
        foreach (var token in Current())
        {
            accepted |= CryptographicOperations.FixedTimeEquals(presented, token);
        }
        return accepted;
    }

    private byte[][] Current()
    {
        if (_time.GetUtcNow() - _readAt > Refresh)
        {
            try
            {
                _tokens = Read();
            }
            catch (InvalidOperationException)
            {
                // A Secret being rewritten can be missing for a moment: keep the tokens read last.
            }
            _readAt = _time.GetUtcNow();
        }
        return _tokens;
    }

    private byte[][] Read() => [.. _references.Select(r => Encoding.UTF8.GetBytes(SecretReference.Resolve(r)))];
}
