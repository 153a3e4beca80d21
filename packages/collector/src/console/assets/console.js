// Shared by every console page: read a JSON data block (never executed, so the CSP holds).

window.perimeterData = (id) => {
  const element = document.getElementById(id);
  return element === null ? null : JSON.parse(element.textContent);
};
