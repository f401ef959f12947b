using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Helix.Remediation.PullRequests;
using Helix.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Time.Testing;

namespace Helix.Remediation.Tests;

/// <summary>
/// GitHub cannot run here: its "Create an installation access token for an app" endpoint answers
/// as its REST reference documents (201 with token and expires_at), and the test checks the JWT
/// the service signs (RS256 by the App's key, issuer the App id, at most 10 minutes).
/// </summary>
public sealed class GitHubAppTokensTests
{
    [Fact]
    public async Task AnInstallationToken_IsMintedWithASignedJwt_KeptUntilNearExpiry_ThenMintedAgain()
    {
        using var key = RSA.Create(2048);
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-26T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var jwts = new List<string>();
        await using var github = await TestHttpServer.StartAsync(app => app.MapPost("/api/v3/app/installations/{id:long}/access_tokens", (HttpContext context, long id) =>
        {
            jwts.Add(context.Request.Headers.Authorization.ToString());
            var expires = time.GetUtcNow().AddHours(1).UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
            return Results.Text($$"""
                {"token":"ghs_installation{{jwts.Count}}_{{id}}","expires_at":"{{expires}}","permissions":{"contents":"write","pull_requests":"write"},"repository_selection":"selected"}
                """, "application/json", statusCode: 201);
        }), TestContext.Current.CancellationToken);
        var tokens = new GitHubAppTokens(new Uri(github.BaseAddress, "api/v3/"), 4242, 77, key.ExportRSAPrivateKeyPem, time);

        Assert.Equal("ghs_installation1_77", tokens.Current());
        time.Advance(TimeSpan.FromMinutes(50));
        Assert.Equal("ghs_installation1_77", tokens.Current()); // still 10 minutes to go
        time.Advance(TimeSpan.FromMinutes(6));
        Assert.Equal("ghs_installation2_77", tokens.Current()); // within 5 minutes of expiry: a new one

        Assert.Equal(2, jwts.Count);
        var parts = jwts[0]["Bearer ".Length..].Split('.');
        Assert.True(key.VerifyData(Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), Decode(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
        using var header = JsonDocument.Parse(Decode(parts[0]));
        Assert.Equal("RS256", header.RootElement.GetProperty("alg").GetString());
        using var claims = JsonDocument.Parse(Decode(parts[1]));
        Assert.Equal("4242", claims.RootElement.GetProperty("iss").GetString());
        var lifetime = claims.RootElement.GetProperty("exp").GetInt64() - claims.RootElement.GetProperty("iat").GetInt64();
        Assert.InRange(lifetime, 60, 600);
        Assert.True(claims.RootElement.GetProperty("iat").GetInt64() < time.GetUtcNow().AddMinutes(-56).ToUnixTimeSeconds()); // issued in the past: clock drift
    }

    private static byte[] Decode(string part)
    {
        var text = part.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '='));
    }
}
