// Swagger UI over the service's own OpenAPI document (kept out of the page for the CSP).
const root = document.getElementById('swagger-ui')
window.SwaggerUIBundle({
  url: root.dataset.openapiUrl,
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [window.SwaggerUIBundle.presets.apis, window.SwaggerUIStandalonePreset],
  layout: 'BaseLayout'
})
