using LibGit2Sharp;
using LibGit2Sharp.Handlers;

namespace Helix.Testing;

/// <summary>The harness's git server (smart HTTP, basic auth); each test gets a fresh bare repository.</summary>
public sealed class GitFixture
{
    public string BaseUrl => TestEnvironment.Require("HELIX_TEST_GIT_URL", "the git server");

    public string Root => TestEnvironment.Require("HELIX_TEST_GIT_ROOT", "the git server");

    public UsernamePasswordCredentials Credentials => new()
    {
        Username = TestEnvironment.Require("HELIX_TEST_GIT_USERNAME", "the git server"),
        Password = TestEnvironment.Require("HELIX_TEST_GIT_TOKEN", "the git server"),
    };

    public GitTestRepo CreateBareRepository()
    {
        var name = TestEnvironment.UniqueName("repo") + ".git";
        var path = Path.Combine(Root, name);
        Repository.Init(path, isBare: true);
        return new GitTestRepo(name, new Uri($"{BaseUrl.TrimEnd('/')}/{name}"), path, Credentials);
    }
}

public sealed class GitTestRepo(string name, Uri url, string path, UsernamePasswordCredentials credentials) : IDisposable
{
    public string Name { get; } = name;

    /// <summary>The HTTP URL, without credentials.</summary>
    public Uri Url { get; } = url;

    /// <summary>The bare repository on the server's disk, for checks.</summary>
    public string Path { get; } = path;

    public UsernamePasswordCredentials Credentials { get; } = credentials;

    public CredentialsHandler CredentialsProvider => (_, _, _) => Credentials;

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            foreach (var file in Directory.EnumerateFiles(Path, "*", SearchOption.AllDirectories))
            {
                File.SetAttributes(file, FileAttributes.Normal); // git objects are read-only
            }
            Directory.Delete(Path, recursive: true);
        }
    }
}
