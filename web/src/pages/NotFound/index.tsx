export function NotFoundPage() {
  return (
    <div class="state">
      <h1>Page not found</h1>
      <p>
        Nothing lives at this address. Go to the <a href="/">dashboard</a> or the <a href="/bugs">bug list</a>.
      </p>
    </div>
  );
}
