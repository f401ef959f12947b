using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Octokit;
using Octokit.Internal;

namespace Helix.Remediation.PullRequests;

/// <summary>
/// A GitHub App's installation token, for both the pushes and the API: minted with a JWT signed by
/// the App's private key (RS256, valid 9 minutes), kept until 5 minutes before it expires (GitHub
/// gives an hour), then minted again. The key is read from its reference at each minting.
/// </summary>
public sealed class GitHubAppTokens(Uri? apiBase, long appId, long installationId, Func<string> privateKeyPem, TimeProvider time)
{
    private static readonly TimeSpan Margin = TimeSpan.FromMinutes(5);
    private readonly Lock _gate = new();
    private AccessToken? _token;

    /// <summary>The installation token; a blocking call only when a new one must be minted (at most hourly).</summary>
    public string Current()
    {
        lock (_gate)
        {
            if (_token is null || time.GetUtcNow() >= _token.ExpiresAt - Margin)
            {
                var app = new GitHubClient(new Connection(new ProductHeaderValue("helix-remediation"), apiBase ?? GitHubClient.GitHubApiUrl,
                    new InMemoryCredentialStore(new Credentials(Jwt(), AuthenticationType.Bearer))));
                _token = app.GitHubApps.CreateInstallationToken(installationId).GetAwaiter().GetResult();
            }
            return _token.Token;
        }
    }

    /// <summary>GitHub's App JWT: issued a minute in the past (clock drift), expiring within its 10-minute limit.</summary>
    internal string Jwt()
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var header = Encode("""{"alg":"RS256","typ":"JWT"}"""u8);
        var payload = Encode(JsonSerializer.SerializeToUtf8Bytes(new { iat = now - 60, exp = now + 540, iss = appId.ToString(System.Globalization.CultureInfo.InvariantCulture) }));
        using var rsa = RSA.Create();
        rsa.ImportFromPem(privateKeyPem());
        var signature = rsa.SignData(Encoding.ASCII.GetBytes($"{header}.{payload}"), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{header}.{payload}.{Encode(signature)}";
    }

    private static string Encode(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
