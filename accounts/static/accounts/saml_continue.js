// The identity provider's answer came without Lotsa's session cookie (SameSite=Strict, a post from
// another site): post it once more from Lotsa's own page, which carries the cookie. Without
// scripts the person presses the button.
document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("saml-continue");
  if (form) form.submit();
});
