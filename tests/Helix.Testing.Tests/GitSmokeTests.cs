using LibGit2Sharp;

namespace Helix.Testing.Tests;

[Collection(GitDependency.Name)]
public sealed class GitSmokeTests(GitFixture git)
{
    [Fact]
    public void Http_ClonesCommitsAndPushes()
    {
        using var remote = git.CreateBareRepository();
        var work = Directory.CreateTempSubdirectory("helix-git-");
        try
        {
            Repository.Clone(remote.Url.ToString(), work.FullName, new CloneOptions { FetchOptions = { CredentialsProvider = remote.CredentialsProvider } });
            using (var repo = new Repository(work.FullName))
            {
                File.WriteAllText(Path.Combine(work.FullName, "README.md"), "hello\n");
                Commands.Stage(repo, "README.md");
                var author = new Signature("Helix Test", "test@helix.invalid", DateTimeOffset.UnixEpoch);
                var commit = repo.Commit("first commit", author, author);
                repo.Network.Push(repo.Network.Remotes["origin"], $"{commit.Sha}:refs/heads/main",
                    new PushOptions { CredentialsProvider = remote.CredentialsProvider });
            }

            using var bare = new Repository(remote.Path);
            var main = bare.Branches["main"];
            Assert.NotNull(main);
            Assert.Equal("first commit", main.Tip.MessageShort);
            Assert.Equal("hello\n", ((Blob)main.Tip["README.md"].Target).GetContentText());
        }
        finally
        {
            DeleteReadOnlyTree(work);
        }
    }

    [Fact]
    public void Http_RefusesWrongCredentials()
    {
        using var remote = git.CreateBareRepository();
        var work = Directory.CreateTempSubdirectory("helix-git-");
        try
        {
            // The server answers a wrong token with 401 and asks again; libgit2 would replay the
            // credential many times (each refusal delayed by the server), so the second ask ends it.
            var wrong = new UsernamePasswordCredentials { Username = remote.Credentials.Username, Password = "not-the-token" };
            var asked = 0;
            Assert.ThrowsAny<Exception>(() => Repository.Clone(remote.Url.ToString(), Path.Combine(work.FullName, "clone"),
                new CloneOptions
                {
                    FetchOptions =
                    {
                        CredentialsProvider = (_, _, _) => ++asked == 1 ? wrong : throw new InvalidOperationException("credentials refused"),
                    },
                }));
            Assert.Equal(2, asked);
        }
        finally
        {
            DeleteReadOnlyTree(work);
        }
    }

    private static void DeleteReadOnlyTree(DirectoryInfo directory)
    {
        foreach (var file in directory.EnumerateFiles("*", SearchOption.AllDirectories))
        {
            file.Attributes = FileAttributes.Normal;
        }
        directory.Delete(recursive: true);
    }
}
